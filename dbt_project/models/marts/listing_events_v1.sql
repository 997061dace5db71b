{#- marts.listing_events version 1, deprecated: use version 2 (marts.listing_events). Version 1
    calls every listing's first version new_listing, also those found in the first load of their
    account (already_listed in version 2), and shows no amount of a price the provider hid. -#}
with

events as (

    select * from {{ ref('listing_events', v=2) }}

),

periods as (

    select * from {{ ref('listing_price_history', v=2) }}

)

select
    events.listing_key,
    case events.event_type when 'already_listed' then 'new_listing' else events.event_type end as event_type,
    events.event_at,
    -- a price event's old price is the period ending at it, its new price the period starting at it
    case when not coalesce(ended.price_is_hidden, false) then events.old_value end as old_value,
    case when not coalesce(started.price_is_hidden, false) then events.new_value end as new_value
from events
left join periods as started
    on started.listing_key = events.listing_key
    and started.valid_from = events.event_at
    and events.event_type in ('new_listing', 'already_listed', 'price_change')
left join periods as ended
    on ended.listing_key = events.listing_key
    and ended.valid_to = events.event_at
    and events.event_type = 'price_change'
