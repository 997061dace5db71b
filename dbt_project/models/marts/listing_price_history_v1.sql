{#- marts.listing_price_history version 1, deprecated: use version 2 (marts.listing_price_history).
    Version 1 shows no amount for a period in which the provider hid the price, nor a change
    measured from or to one; version 2 keeps the amounts the API sent and flags the period
    (price_is_hidden).

    Incremental (delete+insert on listing_key): a build rebuilds the listings that version 2 has
    rebuilt since this one's last build (macros/incremental_listings.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    pre_hook="{{ delete_changed_listings(after=['listing_price_history']) }}",
    post_hook="{{ record_incremental_build(after=['listing_price_history']) }}"
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
-- depends_on: {{ ref('int_listing_timeline') }}
{%- set window = incremental_window(after=['listing_price_history']) %}

with

{% if window.since is not none -%}
changed_listings as (

    {{ changed_listings(window) }}

),

{% endif -%}

periods as (

    select
        *,
        coalesce(
            lag(price_is_hidden) over (partition by listing_key order by valid_from), false
        ) as previous_price_is_hidden
    from {{ ref('listing_price_history', v=2) }}
    where {{ is_changed_listing(window) }}

)

-- amounts typed as the contract says: PostgreSQL drops a numeric's precision and scale through `case`
select
    listing_key,
    cast(case when not price_is_hidden then list_price end as decimal(18, 2)) as list_price,
    currency,
    price_period,
    valid_from,
    valid_to,
    is_current,
    cast(case when not previous_price_is_hidden then previous_price end as decimal(18, 2)) as previous_price,
    cast(case when not (price_is_hidden or previous_price_is_hidden) then price_change end as decimal(19, 2))
        as price_change,
    cast(case when not (price_is_hidden or previous_price_is_hidden) then price_change_pct end as decimal(9, 2))
        as price_change_pct
from periods
