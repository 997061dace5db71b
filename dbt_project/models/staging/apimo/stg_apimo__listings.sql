{%- set settings = var('provider_settings')['apimo'] -%}

with

source as (

    {{ committed_rows('raw_apimo', 'listings') }}

),

-- Nested parts parsed once; a value of the wrong type reads as null, never an error.
parsed as (

    select
        *,
        {{ cast_or_null(json_text('payload', 'publish_address'), 'integer') }} = 1 as address_is_public,
        {{ cast_or_null(json_text('payload', 'area.unit'), 'integer') }} as area_unit,
        coalesce({{ cast_or_null(json_text('payload', 'type'), 'integer') }} = 3, false) as is_land,
        {{ json_to_list(
            json_part('payload', 'comments'),
            {'language': 'varchar', 'title': 'varchar', 'comment': 'varchar', 'comment_full': 'varchar'}
        ) }} as comment_list,
        {{ json_to_list(
            json_part('payload', 'pictures'),
            {'rank': 'integer', 'url': 'varchar', 'width_max': 'integer', 'height_max': 'integer'}
        ) }} as picture_list,
        {{ json_to_list(json_part('payload', 'areas'), {'type': 'varchar', 'number': 'varchar'}) }} as room_list
    from source

),

-- The English comment when there is one, else the first: title and description come from one.
with_text as (

    select
        *,
        coalesce(
            {{ list_first(list_filter('comment_list', 'comment', record_field('comment', 'language') ~ " = 'en'")) }},
            {{ list_first('comment_list') }}
        ) as chosen_comment
    from parsed

),

renamed as (

    select
        ---------- ids and lineage
        'apimo' as source,
        'apimo' as provider,
        account_id,  -- the agency id
        source_listing_id,
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        {{ json_text('payload', 'reference') }} as reference,
        cast(null as varchar) as mls_number,

        ---------- classification: numeric codes as text, mapped and labelled by the crosswalk downstream
        {{ json_text('payload', 'category') }} as source_listing_type,
        {{ json_text('payload', 'subtype') }} as source_property_type,  -- finer than `type` (villa, townhouse, ...)
        {{ json_text('payload', 'subtype') }} as property_subtype,
        {{ json_text('payload', 'status') }} as source_status,

        ---------- price: `hide` keeps the amount out of the marts
        case
            when not coalesce({{ cast_or_null(json_text('payload', 'price.hide'), 'boolean') }}, false)
                then {{ cast_or_null(json_text('payload', 'price.value'), 'decimal(18, 2)') }}
        end as list_price,
        coalesce({{ json_text('payload', 'price.currency') }}, '{{ settings.currency }}') as currency,
        case {{ cast_or_null(json_text('payload', 'price.period'), 'integer') }}
            when 1 then 'month'
            when 2 then 'week'
        end as price_period,
        {{ cast_or_null(json_text('payload', 'price.hide'), 'boolean') }} as price_is_hidden,

        ---------- size: area unit 1 is m², 2 is sq ft; another unit gives no area rather than a wrong one
        {{ cast_or_null(json_text('payload', 'bedrooms'), 'integer') }} as bedrooms,
        cast(
            {{ list_sum(list_transform(
                list_filter('room_list', 'room', record_field('room', 'type') ~ " = '8'"),
                'room', cast_or_null(record_field('room', 'number'), 'integer')
            )) }} as decimal(5, 2)
        ) as bathrooms,
        case when not is_land then
            {{ cast_or_null(json_text('payload', 'area.value'), 'double') }}
            * case area_unit when 1 then 1.0 when 2 then 0.09290304 end
        end as living_area_sqm,
        case when is_land then
            {{ cast_or_null(json_text('payload', 'area.value'), 'double') }}
            * case area_unit when 1 then 1.0 when 2 then 0.09290304 end
        end as lot_area_sqm,
        cast(null as integer) as year_built,  -- not sent

        ---------- text: English when the agency wrote it, else the first language
        nullif({{ record_field('chosen_comment', 'title') }}, '') as title,
        coalesce(
            nullif({{ record_field('chosen_comment', 'comment_full') }}, ''),
            {{ record_field('chosen_comment', 'comment') }}
        ) as description,

        ---------- location: without publish_address, no street line and coordinates on a ~1 km grid
        case when address_is_public then {{ json_text('payload', 'address') }} end as address_line,
        {{ json_text('payload', 'city.name') }} as city,
        {{ json_text('payload', 'region.name') }} as region,
        {{ json_text('payload', 'city.zipcode') }} as postal_code,
        coalesce({{ json_text('payload', 'country') }}, '{{ settings.country_code }}') as country_code,
        case
            when address_is_public then {{ cast_or_null(json_text('payload', 'latitude'), 'double') }}
            else round({{ cast_or_null(json_text('payload', 'latitude'), 'double') }}, 2)
        end as latitude,
        case
            when address_is_public then {{ cast_or_null(json_text('payload', 'longitude'), 'double') }}
            else round({{ cast_or_null(json_text('payload', 'longitude'), 'double') }}, 2)
        end as longitude,
        address_is_public as location_is_exact,

        ---------- media: pictures by rank (picture records sort by their first field)
        cast(coalesce({{ list_length('picture_list') }}, 0) as integer) as photo_count,
        {{ list_to_json(list_transform(
            list_sort(list_or_empty('picture_list')),
            'picture',
            photo_record(
                position='position',
                url=record_field('picture', 'url'),
                width=record_field('picture', 'width_max'),
                height=record_field('picture', 'height_max')
            ),
            position='position'
        )) }} as photos,

        ---------- timestamps: naive local time of the agency, converted with the configured timezone
        {{ from_local_time(cast_or_null(json_text('payload', 'created_at'), 'timestamp'), settings.timezone) }}
            as source_created_at,
        {{ from_local_time(cast_or_null(json_text('payload', 'updated_at'), 'timestamp'), settings.timezone) }}
            as source_updated_at

    from with_text

)

select * from renamed
