{%- set settings = var('provider_settings')['actuallycare'] -%}

with

source as (

    {{ listing_rows('raw_actuallycare') }}

),

-- Every payload field the model reads, in one parse of the payload (see json_record); a value of
-- the wrong type reads as null, never an error.
payload_read as (

    select
        *,
        {{ json_record(
            'payload',
            texts=[
                'mls_number', 'property_type', 'status', 'list_price', 'bedrooms', 'bathrooms', 'square_feet',
                'lot_size', 'year_built', 'description', 'address', 'city', 'state', 'zip_code', 'created_at',
                'updated_at'
            ],
            parts=['photos']
        ) }} as fields
    from source

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
        {{ record_path('fields', 'mls_number') }} as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        'sale' as source_listing_type,  -- the API lists homes for sale only
        {{ record_path('fields', 'property_type') }} as source_property_type,
        {{ record_path('fields', 'property_type') }} as property_subtype,
        {{ record_path('fields', 'status') }} as source_status,

        ---------- price
        {{ cast_or_null(record_path('fields', 'list_price'), 'decimal(18, 2)') }} as list_price,
        '{{ settings.currency }}' as currency,
        cast(null as varchar) as price_period,
        false as price_is_hidden,

        ---------- size, in square metres
        {{ cast_or_null(record_path('fields', 'bedrooms'), 'integer') }} as bedrooms,
        {{ cast_or_null(record_path('fields', 'bathrooms'), 'decimal(5, 2)') }} as bathrooms,
        {{ cast_or_null(record_path('fields', 'square_feet'), 'double') }} * 0.09290304 as living_area_sqm,
        {{ cast_or_null(record_path('fields', 'lot_size'), 'double') }} * 4046.8564224 as lot_area_sqm,
        {{ cast_or_null(record_path('fields', 'year_built'), 'integer') }} as year_built,

        ---------- text (English only)
        cast(null as varchar) as title,
        {{ record_path('fields', 'description') }} as description,

        ---------- location: the API publishes the exact street address and no coordinates
        trim({{ delimited_part(record_path('fields', 'address'), ',', 1) }}) as address_line,
        {{ record_path('fields', 'city') }} as city,
        {{ record_path('fields', 'state') }} as region,
        {{ record_path('fields', 'zip_code') }} as postal_code,
        '{{ settings.country_code }}' as country_code,
        cast(null as double) as latitude,
        cast(null as double) as longitude,
        true as location_is_exact,

        ---------- media: plain URLs, in order
        cast(coalesce({{ json_array_length(record_field('fields', 'photos')) }}, 0) as integer) as photo_count,
        {{ list_to_json(list_transform(
            list_or_empty(json_to_text_list(record_field('fields', 'photos'))),
            'url', photo_record(position='position', url='url'), position='position'
        )) }} as photos,

        ---------- timestamps (UTC with a Z)
        {{ cast_or_null(record_path('fields', 'created_at'), 'timestamptz') }} as source_created_at,
        {{ cast_or_null(record_path('fields', 'updated_at'), 'timestamptz') }} as source_updated_at,
        -- the provider sends no date of its last status change
        cast(null as timestamp with time zone) as source_status_changed_at

    from payload_read

)

select * from renamed
