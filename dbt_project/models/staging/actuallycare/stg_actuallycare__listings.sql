with

source as (

    {{ committed_rows('raw_actuallycare', 'listings') }}

),

renamed as (

    select
        ---------- ids
        account_id,
        source_listing_id,
        payload ->> '$.mls_number' as mls_number,
        payload_hash,
        _dlt_load_id as load_id,

        ---------- classification
        payload ->> '$.property_type' as property_subtype,
        payload ->> '$.status' as source_status,

        ---------- price (USD, the only currency the API speaks)
        try_cast(payload ->> '$.list_price' as decimal(18, 2)) as list_price,
        'USD' as currency,

        ---------- size, in square metres
        try_cast(payload ->> '$.bedrooms' as integer) as bedrooms,
        try_cast(payload ->> '$.bathrooms' as decimal(5, 2)) as bathrooms,
        try_cast(payload ->> '$.square_feet' as double) * 0.09290304 as living_area_sqm,
        try_cast(payload ->> '$.lot_size' as double) * 4046.8564224 as lot_area_sqm,
        try_cast(payload ->> '$.year_built' as integer) as year_built,

        ---------- text
        payload ->> '$.description' as description,

        ---------- location
        trim(split_part(payload ->> '$.address', ',', 1)) as address_line,
        payload ->> '$.city' as city,
        payload ->> '$.state' as region,
        payload ->> '$.zip_code' as postal_code,
        'US' as country_code,

        ---------- media
        cast(coalesce(json_array_length(payload -> '$.photos'), 0) as integer) as photo_count,

        ---------- timestamps (the API sends UTC with a Z)
        try_cast(payload ->> '$.created_at' as timestamptz) as source_created_at,
        try_cast(payload ->> '$.updated_at' as timestamptz) as source_updated_at,
        observed_at,
        try_cast(payload ->> '$.version' as integer) as source_version

    from source
    where not is_removal  -- removal rows (no payload) mark when a complete scan stopped finding a listing

)

select * from renamed
