{#- Provider words and codes the crosswalk does not know yet, with how many listings carry them.
    Their listings are kept (as listing_type or property_type `other`; status, energy_class,
    greenhouse_gas_class or condition `unknown`); this model is what operators are shown: a failing
    check in Dagster, the last lines of `listings run`, `listings status`. -#}
{{ config(materialized='table') }}

with

versions as (

    select * from {{ ref('int_listing_versions') }}
    where not is_removal

),

vocabulary as (

    select * from {{ ref('crosswalk_vocabulary') }}

),

observed as (

    select
        source,
        provider,
        'listing_type' as field,
        source_listing_type as source_value,
        listing_key
    from versions
    union all
    select
        source,
        provider,
        'property_type' as field,
        source_property_type as source_value,
        listing_key
    from versions
    union all
    select
        source,
        provider,
        'status' as field,
        source_status as source_value,
        listing_key
    from versions
    union all
    select
        source,
        provider,
        'energy_class' as field,
        source_energy_class as source_value,
        listing_key
    from versions
    union all
    select
        source,
        provider,
        'greenhouse_gas_class' as field,
        source_greenhouse_gas_class as source_value,
        listing_key
    from versions
    union all
    select
        source,
        provider,
        'condition' as field,
        source_condition as source_value,
        listing_key
    from versions
    union all
    -- subtypes only where the crosswalk classifies by them: elsewhere they are labels
    select
        source,
        provider,
        'property_subtype' as field,
        property_subtype as source_value,
        listing_key
    from versions
    where provider in (
        select subtype_rows.provider
        from vocabulary as subtype_rows
        where subtype_rows.field = 'property_subtype'
    )

),

unmapped as (

    select
        observed.source,
        observed.provider,
        observed.field,
        observed.source_value,
        count(distinct observed.listing_key) as listings
    from observed
    left join vocabulary
        on vocabulary.provider = observed.provider
        and vocabulary.field = observed.field
        and vocabulary.source_value = observed.source_value
    where observed.source_value is not null and vocabulary.source_value is null
    group by observed.source, observed.provider, observed.field, observed.source_value

)

select * from unmapped
