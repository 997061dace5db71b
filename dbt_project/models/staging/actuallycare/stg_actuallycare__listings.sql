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
        {{ json_text('payload', 'mls_number') }} as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        'sale' as source_listing_type,  -- the API lists homes for sale only
        {{ json_text('payload', 'property_type') }} as source_property_type,
        {{ json_text('payload', 'property_type') }} as property_subtype,
        {{ json_text('payload', 'status') }} as source_status,

        ---------- price
        {{ cast_or_null(json_text('payload', 'list_price'), 'decimal(18, 2)') }} as list_price,
        '{{ settings.currency }}' as currency,
        cast(null as varchar) as price_period,
        false as price_is_hidden,

        ---------- size, in square metres
        {{ cast_or_null(json_text('payload', 'bedrooms'), 'integer') }} as bedrooms,
        {{ cast_or_null(json_text('payload', 'bathrooms'), 'decimal(5, 2)') }} as bathrooms,
        {{ cast_or_null(json_text('payload', 'square_feet'), 'double') }} * 0.09290304 as living_area_sqm,
        {{ cast_or_null(json_text('payload', 'lot_size'), 'double') }} * 4046.8564224 as lot_area_sqm,
        {{ cast_or_null(json_text('payload', 'year_built'), 'integer') }} as year_built,

        ---------- text (English only)
        cast(null as varchar) as title,
        {{ json_text('payload', 'description') }} as description,

        ---------- location: the API publishes the exact street address and no coordinates
        trim({{ delimited_part(json_text('payload', 'address'), ',', 1) }}) as address_line,
        {{ json_text('payload', 'city') }} as city,
        {{ json_text('payload', 'state') }} as region,
        {{ json_text('payload', 'zip_code') }} as postal_code,
        '{{ settings.country_code }}' as country_code,
        cast(null as double) as latitude,
        cast(null as double) as longitude,
        true as location_is_exact,

        ---------- media: plain URLs, in order
        cast(coalesce({{ json_array_length(json_part('payload', 'photos')) }}, 0) as integer) as photo_count,
        {{ list_to_json(list_transform(
            list_or_empty(json_to_text_list(json_part('payload', 'photos'))),
            'url', photo_record(position='position', url='url'), position='position'
        )) }} as photos,

        ---------- timestamps (UTC with a Z)
        {{ cast_or_null(json_text('payload', 'created_at'), 'timestamptz') }} as source_created_at,
        {{ cast_or_null(json_text('payload', 'updated_at'), 'timestamptz') }} as source_updated_at

    from source

)

select * from renamed
