{#- One row per listing: its latest committed version, in the unified vocabulary. -#}
with

versions as (

    select * from {{ ref('stg_actuallycare__listings') }}

),

statuses as (

    select * from {{ ref('crosswalk_status') }} where provider = 'actuallycare'

),

property_types as (

    select * from {{ ref('crosswalk_property_type') }} where provider = 'actuallycare'

),

first_seen as (

    select account_id, source_listing_id, min(observed_at) as first_seen_at
    from versions
    group by account_id, source_listing_id

),

latest as (

    select *
    from versions
    qualify row_number() over (
        partition by account_id, source_listing_id order by observed_at desc, load_id desc
    ) = 1

),

final as (

    select
        ---------- identity
        'actuallycare:' || latest.account_id || ':' || latest.source_listing_id as listing_key,
        'actuallycare' as source,
        'actuallycare' as provider,
        latest.account_id,
        latest.source_listing_id,
        latest.mls_number,

        ---------- classification
        'sale' as listing_type,
        coalesce(property_types.property_type, 'other') as property_type,
        latest.property_subtype,
        coalesce(statuses.status, 'unknown') as status,
        coalesce(statuses.status, 'unknown') = 'active' as is_available,

        ---------- price
        latest.list_price,
        latest.currency,

        ---------- size
        latest.bedrooms,
        latest.bathrooms,
        latest.living_area_sqm,
        latest.lot_area_sqm,
        latest.year_built,

        ---------- text
        latest.description,

        ---------- location
        latest.address_line,
        latest.city,
        latest.region,
        latest.postal_code,
        latest.country_code,

        ---------- media
        latest.photo_count,

        ---------- timeline
        latest.source_created_at,
        latest.source_updated_at,
        first_seen.first_seen_at,
        latest.observed_at as last_changed_at

    from latest
    inner join first_seen using (account_id, source_listing_id)
    left join statuses on latest.source_status = statuses.source_status
    left join property_types on latest.property_subtype = property_types.source_property_type

)

select * from final
