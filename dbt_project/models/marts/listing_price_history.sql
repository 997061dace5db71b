{#- One row per run of an unchanged price (amount, currency and period) per listing, derived from
    the raw versions alone. Two versions at the same price, or a listing that leaves and comes back
    at its old price, stay one row. A hidden price is a run with a null amount. -#}
with

versions as (

    select listing_key, sequence_number, observed_at, list_price, currency, price_period
    from {{ ref('int_listing_timeline') }}
    where not is_removal

),

run_starts as (

    select
        *,
        case
            when lag(sequence_number) over by_listing is null then 1
            when lag(list_price) over by_listing is distinct from list_price then 1
            when lag(currency) over by_listing is distinct from currency then 1
            when lag(price_period) over by_listing is distinct from price_period then 1
            else 0
        end as starts_run
    from versions
    window by_listing as (partition by listing_key order by sequence_number)

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

    select listing_key, run_number, list_price, currency, price_period, min(observed_at) as valid_from
    from runs
    group by listing_key, run_number, list_price, currency, price_period

),

final as (

    select
        listing_key,
        list_price,
        currency,
        price_period,
        valid_from,
        lead(valid_from) over by_listing as valid_to,
        lead(valid_from) over by_listing is null as is_current,
        lag(list_price) over by_listing as previous_price,
        list_price - lag(list_price) over by_listing as price_change,
        cast(
            round(100 * (list_price - lag(list_price) over by_listing) / nullif(lag(list_price) over by_listing, 0), 2)
            as decimal(9, 2)
        ) as price_change_pct

    from periods
    window by_listing as (partition by listing_key order by run_number)

)

select * from final
