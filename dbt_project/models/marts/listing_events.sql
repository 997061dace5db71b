{#- What happened to each listing, one row per event, read from consecutive raw rows: its first
    version, each change of price or unified status, each removal and each return. -#}
with

timeline as (

    select
        listing_key, sequence_number, is_removal, observed_at, status, list_price,
        lag(is_removal) over by_listing as follows_removal,
        -- the listing's previous version, skipping removal rows
        last_value(
            case when not is_removal then {'status': status, 'list_price': list_price} end ignore nulls
        ) over (by_listing rows between unbounded preceding and 1 preceding) as previous_version
    from {{ ref('int_listing_timeline') }}
    window by_listing as (partition by listing_key order by sequence_number)

),

events as (

    select listing_key, 'new_listing' as event_type, observed_at as event_at,
           null as old_value, cast(list_price as varchar) as new_value
    from timeline
    where sequence_number = 1

    union all

    select listing_key, 'price_change', observed_at,
           cast(previous_version.list_price as varchar), cast(list_price as varchar)
    from timeline
    where not is_removal and sequence_number > 1
      and previous_version.list_price is distinct from list_price

    union all

    select listing_key, 'status_change', observed_at, previous_version.status, status
    from timeline
    where not is_removal and sequence_number > 1 and not follows_removal
      and previous_version.status is distinct from status

    union all

    select listing_key, 'removed', observed_at, previous_version.status, 'removed'
    from timeline
    where is_removal

    union all

    select listing_key, 'back_on_market', observed_at, 'removed', status
    from timeline
    where not is_removal and follows_removal

)

select listing_key, event_type, event_at, old_value, new_value
from events
