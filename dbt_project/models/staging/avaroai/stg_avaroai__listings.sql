{%- set settings = var('provider_settings')['avaroai'] -%}

with

source as (

    {{ committed_rows('raw_avaroai', 'listings') }}

),

-- Photos, address lines and coordinates parsed once: a value of the wrong type reads as null, never an error.
parsed as (

    select
        *,
        {{ json_to_list(
            json_part('payload', 'photos'), {'index': 'integer', 'caption': 'varchar', 'floor_plan': 'boolean'}
        ) }} as photo_list,
        {{ cast_or_null(json_text('payload', 'rental'), 'boolean') }} as is_rental,
        nullif(trim({{ json_text('payload', 'line_1') }}), '') as address_line_1,
        nullif(trim({{ json_text('payload', 'line_2') }}), '') as address_line_2,
        {{ cast_or_null('trim(' ~ delimited_part(json_text('payload', 'coordinates'), ',', 1) ~ ')', 'double') }}
            as sent_latitude,
        {{ cast_or_null('trim(' ~ delimited_part(json_text('payload', 'coordinates'), ',', 2) ~ ')', 'double') }}
            as sent_longitude
    from source

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
        {{ json_text('payload', 'private_reference') }} as reference,  -- the organization's own reference
        cast(null as varchar) as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        cast(is_rental as varchar) as source_listing_type,  -- the `rental` flag as text: true / false
        {{ json_text('payload', 'property') }} as source_property_type,
        {{ json_text('payload', 'property') }} as property_subtype,
        case when not is_removal then 'active' end as source_status,  -- only active listings are served

        ---------- price: the currency is the organization's and is not sent
        {{ cast_or_null(json_text('payload', 'published_price'), 'decimal(18, 2)') }} as list_price,
        '{{ settings.currency }}' as currency,
        case when is_rental then 'month' end as price_period,  -- Cyprus rents are quoted per month
        false as price_is_hidden,

        ---------- size, already in square metres
        {{ cast_or_null(json_text('payload', 'bedrooms'), 'integer') }} as bedrooms,
        {{ cast_or_null(json_text('payload', 'bathrooms'), 'decimal(5, 2)') }} as bathrooms,
        {{ cast_or_null(json_text('payload', 'covered_area'), 'double') }} as living_area_sqm,
        {{ cast_or_null(json_text('payload', 'plot_size'), 'double') }} as lot_area_sqm,
        cast(null as integer) as year_built,  -- not sent; custom_fields vary by organization

        ---------- text (English only)
        {{ json_text('payload', 'title') }} as title,
        {{ json_text('payload', 'description') }} as description,

        ---------- location: the exact address and one "lat,long" string
        coalesce(address_line_1 || ', ' || address_line_2, address_line_1, address_line_2) as address_line,
        {{ json_text('payload', 'city') }} as city,
        {{ json_text('payload', 'region') }} as region,
        {{ json_text('payload', 'post_code') }} as postal_code,
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
        {{ cast_or_null(json_text('payload', 'created_at'), 'timestamptz') }} as source_created_at,
        {{ cast_or_null(json_text('payload', 'updated_at'), 'timestamptz') }} as source_updated_at

    from ordered

)

select * from renamed
