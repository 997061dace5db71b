{#- One row per run of an unchanged price (amount, currency and period) per listing, derived from
    the raw versions alone. Two versions at the same price, or a listing that leaves and comes back
    at its old price, stay one row. A price the provider hides keeps its amount: hiding or showing
    it is not a new period, and price_is_hidden says whether it was hidden in the period.

    Incremental (delete+insert on listing_key): a build rebuilds the listings whose timeline rows
    were written since its last build (macros/incremental_listings.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    pre_hook="{{ delete_changed_listings(stamped=[ref('int_listing_timeline')]) }}",
    post_hook="{{ record_incremental_build(stamped=[ref('int_listing_timeline')]) }}"
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
{%- set window = incremental_window(stamped=[ref('int_listing_timeline')]) %}

with

{% if window.since is not none -%}
changed_listings as (

    {{ changed_listings(window) }}

),

{% endif -%}

versions as (

    select
        listing_key,
        sequence_number,
        observed_at,
        list_price,
        currency,
        price_period,
        price_is_hidden
    from {{ ref('int_listing_timeline') }}
    where not is_removal and {{ is_changed_listing(window) }}

),

-- Each version beside the one before it (removal rows are not versions).
paired as (

    select
        *,
        lag(sequence_number) over (partition by listing_key order by sequence_number) as previous_sequence_number,
        lag(list_price) over (partition by listing_key order by sequence_number) as previous_list_price,
        lag(currency) over (partition by listing_key order by sequence_number) as previous_currency,
        lag(price_period) over (partition by listing_key order by sequence_number) as previous_price_period
    from versions

),

run_starts as (

    select
        *,
        case
            when previous_sequence_number is null then 1
            when (previous_list_price is distinct from list_price) then 1
            when (previous_currency is distinct from currency) then 1
            when (previous_price_period is distinct from price_period) then 1
            else 0
        end as starts_run
    from paired

),

runs as (

    select
        *,
        sum(starts_run) over (
            partition by listing_key order by sequence_number rows unbounded preceding
        ) as run_number
    from run_starts

),

periods as (

    select
        listing_key,
        run_number,
        list_price,
        currency,
        price_period,
        min(observed_at) as valid_from,
        coalesce(bool_or(price_is_hidden), false) as price_is_hidden
    from runs
    group by listing_key, run_number, list_price, currency, price_period

),

-- Each period with the start of the next one and the price of the one before.
linked_periods as (

    select
        *,
        lead(valid_from) over (partition by listing_key order by run_number) as valid_to,
        lag(list_price) over (partition by listing_key order by run_number) as previous_price
    from periods

),

final as (

    select
        listing_key,
        list_price,
        currency,
        price_period,
        price_is_hidden,
        valid_from,
        valid_to,
        valid_to is null as is_current,
        -- typed here, not left to the window's and the subtraction's result: PostgreSQL drops a
        -- numeric's precision and scale through them
        cast(previous_price as decimal(18, 2)) as previous_price,
        cast(list_price - previous_price as decimal(19, 2)) as price_change,
        cast(round(100 * (list_price - previous_price) / nullif(previous_price, 0), 2) as decimal(9, 2))
            as price_change_pct

    from linked_periods

)

select * from final
