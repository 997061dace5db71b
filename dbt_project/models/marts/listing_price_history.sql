{#- One row per run of an unchanged price (amount, currency and period) per listing, derived from
    the raw versions alone. Two versions at the same price, or a listing that leaves and comes back
    at its old price, stay one row. A price the provider hides keeps its amount: hiding or showing
    it is not a new period, and price_is_hidden says whether it was hidden in the period.

    list_price_reporting is list_price in the reporting currency at the rate of the period's start
    date (int_fx_rates, macros/reporting_currency.sql): the latest rate dated on or before it.

    Incremental (delete+insert on listing_key): a build rebuilds the listings whose timeline rows
    were written since its last build (macros/incremental_listings.sql), and every listing when the
    rates or the reporting currency changed (macros/reporting_currency.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    pre_hook=[
        "{{ delete_changed_listings(stamped=[ref('int_listing_timeline')]) }}",
        "{{ delete_every_listing_on_new_fx_rates() }}"
    ],
    post_hook=[
        "{{ record_incremental_build(stamped=[ref('int_listing_timeline')]) }}",
        "{{ record_fx_rates() }}"
    ]
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
{%- set window = incremental_window(stamped=[ref('int_listing_timeline')]) %}
{%- do rebuild_every_listing_on_new_fx_rates(window) %}

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
        -- the day whose rate converts the period's price (UTC, whatever the session's time zone)
        cast(valid_from at time zone 'UTC' as date) as valid_from_date,
        lead(valid_from) over (partition by listing_key order by run_number) as valid_to,
        lag(list_price) over (partition by listing_key order by run_number) as previous_price
    from periods

),

fx_rates as (

    select * from {{ ref('int_fx_rates') }}

),

-- Each period's price at the rate of its start date (UTC): the rate valid on that date, the latest
-- dated on or before it; none for a currency without such a rate. The product in 38 digits: DuckDB
-- would keep decimal(18, 2) times decimal(20, 12) in 18 and fail the build on a large price; one too
-- large for the column is null.
converted as (

    select
        linked_periods.*,
        {{ cast_or_null(
            'round(cast(linked_periods.list_price as decimal(38, 2)) * fx_rates.reporting_per_unit, 2)',
            'decimal(18, 2)'
        ) }} as list_price_reporting
    from linked_periods
    left join fx_rates
        on fx_rates.currency = linked_periods.currency
        and (fx_rates.rate_date is null or fx_rates.rate_date <= linked_periods.valid_from_date)
        and (fx_rates.next_rate_date is null or fx_rates.next_rate_date > linked_periods.valid_from_date)

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
            as price_change_pct,
        cast('{{ reporting_currency() }}' as varchar) as reporting_currency,
        list_price_reporting

    from converted

)

select * from final
