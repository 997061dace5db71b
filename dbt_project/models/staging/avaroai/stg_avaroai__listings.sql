{%- set settings = var('provider_settings')['avaroai'] -%}

with

source as (

    {{ listing_rows('raw_avaroai') }}

),

-- Every payload field the model reads, in one parse of the payload (see json_record); a value of
-- the wrong type reads as null, never an error.
payload_read as (

    select
        *,
        {{ json_record(
            'payload',
            texts=[
                'rental', 'line_1', 'line_2', 'coordinates', 'private_reference', 'property', 'published_price',
                'bedrooms', 'bathrooms', 'covered_area', 'plot_size', 'title', 'description', 'city', 'region',
                'post_code', 'created_at', 'updated_at'
            ],
            lists={
                'photos': {'index': 'integer', 'caption': 'varchar', 'floor_plan': 'boolean'}
            }
        ) }} as fields
    from source

),

-- Photos, address lines and coordinates, cleaned once: the columns below use each more than once.
parsed as (

    select
        *,
        {{ record_field('fields', 'photos') }} as photo_list,
        {{ cast_or_null(record_path('fields', 'rental'), 'boolean') }} as is_rental,
        nullif(trim({{ record_path('fields', 'line_1') }}), '') as address_line_1,
        nullif(trim({{ record_path('fields', 'line_2') }}), '') as address_line_2,
        {{ cast_or_null('trim(' ~ delimited_part(record_path('fields', 'coordinates'), ',', 1) ~ ')', 'double') }}
            as sent_latitude,
        {{ cast_or_null('trim(' ~ delimited_part(record_path('fields', 'coordinates'), ',', 2) ~ ')', 'double') }}
            as sent_longitude
    from payload_read

),

-- Photos in display order: by `index`, a photo without one at its place in the list (records sort
-- by their first field, then the next).
ordered as (

    select
        *,
        {{ list_sort(list_transform(
            list_or_empty('photo_list'),
            'photo',
            record({
                'sort_index': 'coalesce(' ~ record_field('photo', 'index') ~ ', ordinal - 1)',
                'ordinal': 'ordinal',
                'caption': record_field('photo', 'caption'),
                'is_floor_plan': record_field('photo', 'floor_plan')
            }),
            position='ordinal'
        )) }} as ordered_photo_list
    from parsed

),

renamed as (

    select
        ---------- ids and lineage
        'avaroai' as source,
        'avaroai' as provider,
        account_id,
        source_listing_id,
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        {{ record_path('fields', 'private_reference') }} as reference,  -- the organization's own reference
        cast(null as varchar) as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        cast(is_rental as varchar) as source_listing_type,  -- the `rental` flag as text: true / false
        {{ record_path('fields', 'property') }} as source_property_type,
        {{ record_path('fields', 'property') }} as property_subtype,
        case when not is_removal then 'active' end as source_status,  -- only active listings are served

        ---------- price: the currency is the organization's and is not sent
        {{ cast_or_null(record_path('fields', 'published_price'), 'decimal(18, 2)') }} as list_price,
        '{{ settings.currency }}' as currency,
        case when is_rental then 'month' end as price_period,  -- Cyprus rents are quoted per month
        false as price_is_hidden,

        ---------- size, already in square metres
        {{ cast_or_null(record_path('fields', 'bedrooms'), 'integer') }} as bedrooms,
        {{ cast_or_null(record_path('fields', 'bathrooms'), 'decimal(5, 2)') }} as bathrooms,
        {{ cast_or_null(record_path('fields', 'covered_area'), 'double') }} as living_area_sqm,
        {{ cast_or_null(record_path('fields', 'plot_size'), 'double') }} as lot_area_sqm,
        cast(null as integer) as year_built,  -- not sent; custom_fields vary by organization

        ---------- text (English only)
        {{ record_path('fields', 'title') }} as title,
        {{ record_path('fields', 'description') }} as description,

        ---------- location: the exact address and one "lat,long" string
        coalesce(address_line_1 || ', ' || address_line_2, address_line_1, address_line_2) as address_line,
        {{ record_path('fields', 'city') }} as city,
        {{ record_path('fields', 'region') }} as region,
        {{ record_path('fields', 'post_code') }} as postal_code,
        '{{ settings.country_code }}' as country_code,
        case when sent_latitude between -90 and 90 then sent_latitude end as latitude,
        case when sent_longitude between -180 and 180 then sent_longitude end as longitude,
        case when not is_removal then true end as location_is_exact,

        ---------- media: AvaroAI forbids hotlinking, so no photo URL leaves raw (url is always null)
        cast(coalesce({{ list_length('photo_list') }}, 0) as integer) as photo_count,
        {{ list_to_json(list_transform(
            'ordered_photo_list',
            'photo',
            photo_record(
                position='position',
                caption=record_field('photo', 'caption'),
                is_floor_plan=record_field('photo', 'is_floor_plan')
            ),
            position='position'
        )) }} as photos,

        ---------- timestamps (UTC with a Z)
        {{ cast_or_null(record_path('fields', 'created_at'), 'timestamptz') }} as source_created_at,
        {{ cast_or_null(record_path('fields', 'updated_at'), 'timestamptz') }} as source_updated_at,
        -- the provider sends no date of its last status change
        cast(null as timestamp with time zone) as source_status_changed_at

    from ordered

)

select * from renamed
