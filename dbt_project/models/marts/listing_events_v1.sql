{#- marts.listing_events version 1, deprecated: use version 2 (marts.listing_events). Version 1
    calls every listing's first version new_listing, also those found in the first load of their
    account (already_listed in version 2), and shows no amount of a price the provider hid.

    Incremental (delete+insert on listing_key): a build rebuilds the listings that version 2 of
    both marts it reads has rebuilt since this one's last build (macros/incremental_listings.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    pre_hook="{{ delete_changed_listings(after=['listing_events', 'listing_price_history'], first_loads=true) }}",
    post_hook="{{ record_incremental_build(after=['listing_events', 'listing_price_history']) }}"
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
-- depends_on: {{ ref('int_listing_timeline') }}
-- depends_on: {{ ref('int_account_first_loads') }}
{%- set window = incremental_window(after=['listing_events', 'listing_price_history']) %}

with

{% if window.since is not none -%}
changed_listings as (

    {{ changed_listings(window, first_loads=true) }}

),

{% endif -%}
events as (

    select * from {{ ref('listing_events', v=2) }}
    where {{ is_changed_listing(window) }}

),

periods as (

    select * from {{ ref('listing_price_history', v=2) }}
    where {{ is_changed_listing(window) }}

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
