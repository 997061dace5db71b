{%- set settings = var('provider_settings')['apimo'] -%}

with

source as (

    {{ listing_rows('raw_apimo') }}

),

-- Every payload field the model reads, in one parse of the payload (see json_record); a value of
-- the wrong type reads as null, never an error.
payload_read as (

    select
        *,
        {{ json_record(
            'payload',
            texts=[
                'publish_address', 'area.unit', 'type', 'reference', 'category', 'subtype', 'step',
                'price.hide', 'price.value', 'price.currency', 'price.period', 'bedrooms', 'area.value',
                'address', 'city.name', 'region.name', 'city.zipcode', 'country', 'latitude', 'longitude',
                'created_at', 'updated_at'
            ],
            lists={
                'comments': {
                    'language': 'varchar', 'title': 'varchar', 'comment': 'varchar', 'comment_full': 'varchar'
                },
                'pictures': {'rank': 'integer', 'url': 'varchar', 'width_max': 'integer', 'height_max': 'integer'},
                'areas': {'type': 'varchar', 'number': 'varchar'}
            }
        ) }} as fields
    from source

),

-- The lists by name, and the flags the columns below depend on.
parsed as (

    select
        *,
        {{ cast_or_null(record_path('fields', 'publish_address'), 'integer') }} = 1 as address_is_public,
        {{ cast_or_null(record_path('fields', 'area.unit'), 'integer') }} as area_unit,
        coalesce({{ cast_or_null(record_path('fields', 'type'), 'integer') }} = 3, false) as is_land,
        {{ record_field('fields', 'comments') }} as comment_list,
        {{ record_field('fields', 'pictures') }} as picture_list,
        {{ record_field('fields', 'areas') }} as room_list
    from payload_read

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
        {{ record_path('fields', 'reference') }} as reference,
        cast(null as varchar) as mls_number,

        ---------- classification: numeric codes as text, mapped and labelled by the crosswalk downstream
        {{ record_path('fields', 'category') }} as source_listing_type,
        -- `type` (apimo.txt:70, "apartment, house, ...") classifies every property; `subtype`
        -- (apimo.txt:71, "studio, penthouse, villa, ...") refines it where the crosswalk knows the code
        {{ record_path('fields', 'type') }} as source_property_type,
        {{ record_path('fields', 'subtype') }} as property_subtype,
        -- `step` is the main status (apimo.txt:64) and sent in every mode; `status`, its subcategory,
        -- only in private mode (apimo.txt:194), and says nothing the unified status could use
        {{ record_path('fields', 'step') }} as source_status,

        ---------- price: `hide` (apimo.txt:114) hides it from the public; the amount sent is kept, and flagged
        {{ cast_or_null(record_path('fields', 'price.value'), 'decimal(18, 2)') }} as list_price,
        coalesce({{ record_path('fields', 'price.currency') }}, '{{ settings.currency }}') as currency,
        case {{ cast_or_null(record_path('fields', 'price.period'), 'integer') }}
            when 1 then 'month'
            when 2 then 'week'
        end as price_period,
        {{ cast_or_null(record_path('fields', 'price.hide'), 'boolean') }} as price_is_hidden,

        ---------- size: area unit 1 is m², 2 is sq ft; another unit gives no area rather than a wrong one
        {{ cast_or_null(record_path('fields', 'bedrooms'), 'integer') }} as bedrooms,
        cast(
            {{ list_sum(list_transform(
                list_filter('room_list', 'room', record_field('room', 'type') ~ " = '8'"),
                'room', cast_or_null(record_field('room', 'number'), 'integer')
            )) }} as decimal(5, 2)
        ) as bathrooms,
        case when not is_land then
            {{ cast_or_null(record_path('fields', 'area.value'), 'double') }}
            * case area_unit when 1 then 1.0 when 2 then 0.09290304 end
        end as living_area_sqm,
        case when is_land then
            {{ cast_or_null(record_path('fields', 'area.value'), 'double') }}
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
        case when address_is_public then {{ record_path('fields', 'address') }} end as address_line,
        {{ record_path('fields', 'city.name') }} as city,
        {{ record_path('fields', 'region.name') }} as region,
        {{ record_path('fields', 'city.zipcode') }} as postal_code,
        coalesce({{ record_path('fields', 'country') }}, '{{ settings.country_code }}') as country_code,
        case
            when address_is_public then {{ cast_or_null(record_path('fields', 'latitude'), 'double') }}
            else round({{ cast_or_null(record_path('fields', 'latitude'), 'double') }}, 2)
        end as latitude,
        case
            when address_is_public then {{ cast_or_null(record_path('fields', 'longitude'), 'double') }}
            else round({{ cast_or_null(record_path('fields', 'longitude'), 'double') }}, 2)
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
        {{ from_local_time(cast_or_null(record_path('fields', 'created_at'), 'timestamp'), settings.timezone) }}
            as source_created_at,
        {{ from_local_time(cast_or_null(record_path('fields', 'updated_at'), 'timestamp'), settings.timezone) }}
            as source_updated_at,
        -- the provider sends no date of its last status change
        cast(null as timestamp with time zone) as source_status_changed_at

    from with_text

)

select * from renamed
