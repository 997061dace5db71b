{%- set settings = var('provider_settings')['actuallycare'] -%}

with

source as (

    {{ committed_rows('raw_actuallycare', 'listings') }}

),

renamed as (

    select
        ---------- ids and lineage
        'actuallycare' as source,
        'actuallycare' as provider,
        account_id,
        source_listing_id,
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        cast(null as varchar) as reference,
        payload ->> '$.mls_number' as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        'sale' as source_listing_type,  -- the API lists homes for sale only
        payload ->> '$.property_type' as source_property_type,
        payload ->> '$.property_type' as property_subtype,
        payload ->> '$.status' as source_status,

        ---------- price
        try_cast(payload ->> '$.list_price' as decimal(18, 2)) as list_price,
        '{{ settings.currency }}' as currency,
        cast(null as varchar) as price_period,
        false as price_is_hidden,

        ---------- size, in square metres
        try_cast(payload ->> '$.bedrooms' as integer) as bedrooms,
        try_cast(payload ->> '$.bathrooms' as decimal(5, 2)) as bathrooms,
        try_cast(payload ->> '$.square_feet' as double) * 0.09290304 as living_area_sqm,
        try_cast(payload ->> '$.lot_size' as double) * 4046.8564224 as lot_area_sqm,
        try_cast(payload ->> '$.year_built' as integer) as year_built,

        ---------- text (English only)
        cast(null as varchar) as title,
        payload ->> '$.description' as description,

        ---------- location: the API publishes the exact street address and no coordinates
        trim(split_part(payload ->> '$.address', ',', 1)) as address_line,
        payload ->> '$.city' as city,
        payload ->> '$.state' as region,
        payload ->> '$.zip_code' as postal_code,
        '{{ settings.country_code }}' as country_code,
        cast(null as double) as latitude,
        cast(null as double) as longitude,
        true as location_is_exact,

        ---------- media: plain URLs, in order
        cast(coalesce(json_array_length(payload -> '$.photos'), 0) as integer) as photo_count,
        cast(
            list_transform(
                coalesce(cast(payload -> '$.photos' as varchar[]), []),
                lambda url, position: {
                    'position': position, 'url': url, 'caption': null::varchar,
                    'is_floor_plan': false, 'width': null::integer, 'height': null::integer
                }
            ) as json
        ) as photos,

        ---------- timestamps (UTC with a Z)
        try_cast(payload ->> '$.created_at' as timestamptz) as source_created_at,
        try_cast(payload ->> '$.updated_at' as timestamptz) as source_updated_at

    from source

)

select * from renamed
