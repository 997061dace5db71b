{#- Rates into the reporting currency (macros/reporting_currency.sql): one row per currency and
    rate date of the FX table (seeds/fx_rates.csv), valid until that currency's next rate date, and
    one row for the reporting currency itself, at 1 on every date.

    Each rate date's rates are quoted against a base currency (the ECB's: 1 EUR = `rate` units of
    the quote currency); a rate between two other currencies is the cross rate through the base on
    the same date. A currency is converted only on the dates the table quotes both it and the
    reporting currency (or one of them is the base): no rate is made up between dates, across
    bases, or for a currency the table does not have. -#}

with

rates as (

    select * from {{ ref('fx_rates') }}

),

-- Every currency a rate date quotes, in units per one base currency; the base itself at 1.
units_per_base as (

    select
        rate_date,
        base_currency,
        quote_currency as currency,
        cast(rate as decimal(20, 12)) as units_per_base
    from rates

    union

    select distinct
        rate_date,
        base_currency,
        base_currency as currency,
        cast(1 as decimal(20, 12)) as units_per_base
    from rates

),

-- Units of the reporting currency per unit of each other currency, on each date that quotes both.
-- Rounded to 12 decimals: DuckDB divides decimals as doubles, PostgreSQL exactly; both agree there.
cross_rates as (

    select
        quoted.currency,
        quoted.rate_date,
        cast(reporting.units_per_base / quoted.units_per_base as decimal(20, 12)) as reporting_per_unit
    from units_per_base as quoted
    inner join units_per_base as reporting
        on reporting.rate_date = quoted.rate_date
        and reporting.base_currency = quoted.base_currency
        and reporting.currency = '{{ reporting_currency() }}'
    where quoted.currency <> '{{ reporting_currency() }}'

),

dated_rates as (

    select
        currency,
        rate_date,
        lead(rate_date) over (partition by currency order by rate_date) as next_rate_date,
        reporting_per_unit
    from cross_rates

),

final as (

    select
        currency,
        cast('{{ reporting_currency() }}' as varchar) as reporting_currency,
        rate_date,
        next_rate_date,
        reporting_per_unit
    from dated_rates

    union all

    -- a price already in the reporting currency needs no rate, on any date
    select
        cast('{{ reporting_currency() }}' as varchar) as currency,
        cast('{{ reporting_currency() }}' as varchar) as reporting_currency,
        cast(null as date) as rate_date,
        cast(null as date) as next_rate_date,
        cast(1 as decimal(20, 12)) as reporting_per_unit

)

select * from final
