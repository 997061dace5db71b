{#- Every listing's versions and removals in order, classified in the unified vocabulary. The
    crosswalk is joined here, after the incremental union, so a corrected crosswalk applies to all
    history on the next build. A value the crosswalk lacks never drops a row. -#}
{{ config(materialized='table') }}

with

versions as (

    select * from {{ ref('int_listing_versions') }}

),

vocabulary as (

    select * from {{ ref('crosswalk_vocabulary') }}

),

classified as (

    select
        versions.listing_key,
        versions.source,
        versions.provider,
        versions.account_id,
        versions.source_listing_id,
        versions.is_removal,
        versions.observed_at,
        versions.load_id,
        row_number() over (
            partition by versions.listing_key order by versions.observed_at, versions.load_id
        ) as sequence_number,

        versions.reference,
        versions.mls_number,
        case
            when versions.is_removal then null
            else coalesce(listing_types.unified_value, 'other')
        end as listing_type,
        -- a subtype the crosswalk classifies refines the type (a provider's `subtype` under its `type`);
        -- otherwise the type decides
        case
            when versions.is_removal then null
            else coalesce(subtypes.unified_value, property_types.unified_value, 'other')
        end as property_type,
        coalesce(subtypes.source_label, versions.property_subtype) as property_subtype,
        case
            when versions.is_removal then 'removed'
            else coalesce(statuses.unified_value, 'unknown')
        end as status,

        versions.list_price,
        versions.currency,
        case
            when versions.price_period is not null then versions.price_period
            when listing_types.unified_value = 'rent' then '{{ var("default_rent_period") }}'
        end as price_period,
        versions.price_is_hidden,
        versions.bedrooms,
        versions.bathrooms,
        versions.living_area_sqm,
        versions.lot_area_sqm,
        versions.year_built,
        versions.title,
        versions.description,
        versions.address_line,
        versions.city,
        versions.region,
        versions.postal_code,
        versions.country_code,
        versions.latitude,
        versions.longitude,
        versions.location_is_exact,
        versions.photo_count,
        versions.photos,
        versions.source_created_at,
        versions.source_updated_at,
        versions.source_status_changed_at

    from versions
    left join vocabulary as listing_types
        on listing_types.provider = versions.provider
        and listing_types.field = 'listing_type'
        and listing_types.source_value = versions.source_listing_type
    left join vocabulary as property_types
        on property_types.provider = versions.provider
        and property_types.field = 'property_type'
        and property_types.source_value = versions.source_property_type
    left join vocabulary as subtypes
        on subtypes.provider = versions.provider
        and subtypes.field = 'property_subtype'
        and subtypes.source_value = versions.property_subtype
    left join vocabulary as statuses
        on statuses.provider = versions.provider
        and statuses.field = 'status'
        and statuses.source_value = versions.source_status

)

select * from classified
