{%- set settings = var('provider_settings')['estateprime'] -%}

with

source as (

    {{ listing_rows('raw_estateprime') }}

),

-- Every payload field the model reads, in one parse of the payload (see json_record); a value of
-- the wrong type reads as null, never an error.
payload_read as (

    select
        *,
        {{ json_record(
            'payload',
            texts=[
                'has_hidden_price', 'location.display_address', 'location.show_circle_on_map', 'code',
                'availability', 'subcategory', 'category', 'status', 'price', 'shortterm_unit', 'rooms',
                'bathrooms', 'size', 'land_size', 'year_built', 'location.address_el',
                'location.fake_address_el', 'location.area_level2.name_en', 'location.area_level2.name_el',
                'location.area_level1.name_en', 'location.area_level1.name_el', 'location.postal_code',
                'location.latitude', 'location.fake_latitude', 'location.longitude', 'location.fake_longitude',
                'date_created', 'date_updated', 'status_date'
            ],
            lists={
                'translations': {'language_id': 'integer', 'title': 'varchar', 'description': 'varchar'},
                'photos': {'original_image': 'varchar', 'watermark_image': 'varchar'}
            }
        ) }} as fields
    from source

),

-- The lists by name, and the hidden-price flag.
parsed as (

    select
        *,
        {{ record_field('fields', 'translations') }} as translation_list,
        {{ record_field('fields', 'photos') }} as photo_list,
        {{ cast_or_null(record_path('fields', 'has_hidden_price'), 'boolean') }} as has_hidden_price
    from payload_read

),

-- What may be published: the exact address only where `display_address` is explicitly true, the
-- exact pin only where, in addition, the map shows no privacy circle. Anything else (false, or the
-- flag missing) gets the fake address and fake coordinates, which may be null.
privacy as (

    select
        *,
        coalesce({{ cast_or_null(record_path('fields', 'location.display_address'), 'boolean') }}, false)
            as is_address_public,
        coalesce({{ cast_or_null(record_path('fields', 'location.display_address'), 'boolean') }}, false)
        and not coalesce({{ cast_or_null(record_path('fields', 'location.show_circle_on_map'), 'boolean') }}, false)
            as is_pin_public,
        -- language_id 1 is English (the document's example; the sandbox says so); else the first one
        coalesce(
            {{ list_first(
                list_filter('translation_list', 'translation', record_field('translation', 'language_id') ~ ' = 1')
            ) }},
            {{ list_first('translation_list') }}
        ) as chosen_translation
    from parsed

),

renamed as (

    select
        ---------- ids and lineage
        'estateprime' as source,
        'estateprime' as provider,
        account_id,  -- the store id
        source_listing_id,
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        {{ record_path('fields', 'code') }} as reference,  -- the human-readable listing code, e.g. RES-00120
        cast(null as varchar) as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        {{ record_path('fields', 'availability') }} as source_listing_type,  -- sale, rent, auction, shortterm
        -- the subcategory is the finer word; the category stands in where a version has none
        coalesce({{ record_path('fields', 'subcategory') }}, {{ record_path('fields', 'category') }})
            as source_property_type,
        {{ record_path('fields', 'subcategory') }} as property_subtype,
        {{ record_path('fields', 'status') }} as source_status,

        ---------- price: EUR (not sent). A hidden price is hidden "on portals" (estateprime.txt:209):
        -- the API still sends the asking price, which is kept and flagged (price_is_hidden)
        {{ cast_or_null(record_path('fields', 'price'), 'decimal(18, 2)') }} as list_price,
        '{{ settings.currency }}' as currency,
        case {{ record_path('fields', 'availability') }}
            when 'rent' then 'month'  -- long-term rents are quoted per month; the document is silent
            when 'shortterm' then
                case {{ record_path('fields', 'shortterm_unit') }}
                    when 'per_day' then 'day'
                    when 'per_week' then 'week'
                    when 'per_month' then 'month'
                    when 'per_year' then 'year'
                end  -- per_season has no fixed length: no period
        end as price_period,
        case when not is_removal then coalesce(has_hidden_price, false) end as price_is_hidden,

        ---------- size, already in square metres
        {{ cast_or_null(record_path('fields', 'rooms'), 'integer') }} as bedrooms,  -- "rooms/bedrooms" in the document
        {{ cast_or_null(record_path('fields', 'bathrooms'), 'decimal(5, 2)') }} as bathrooms,
        {{ cast_or_null(record_path('fields', 'size'), 'double') }} as living_area_sqm,
        {{ cast_or_null(record_path('fields', 'land_size'), 'double') }} as lot_area_sqm,
        {{ cast_or_null(record_path('fields', 'year_built'), 'integer') }} as year_built,

        ---------- text: one translation, English if there is one, else the first
        {{ record_field('chosen_translation', 'title') }} as title,
        {{ record_field('chosen_translation', 'description') }} as description,

        ---------- location: the public address and pin only (see the privacy CTE)
        case
            when is_address_public then {{ record_path('fields', 'location.address_el') }}
            else {{ record_path('fields', 'location.fake_address_el') }}
        end as address_line,
        regexp_replace(
            coalesce(
                {{ record_path('fields', 'location.area_level2.name_en') }},
                {{ record_path('fields', 'location.area_level2.name_el') }}
            ),
            '^Municipality of ',
            ''
        ) as city,
        coalesce(
            {{ record_path('fields', 'location.area_level1.name_en') }},
            {{ record_path('fields', 'location.area_level1.name_el') }}
        ) as region,
        {{ record_path('fields', 'location.postal_code') }} as postal_code,
        '{{ settings.country_code }}' as country_code,
        case
            when is_pin_public then {{ cast_or_null(record_path('fields', 'location.latitude'), 'double') }}
            else {{ cast_or_null(record_path('fields', 'location.fake_latitude'), 'double') }}
        end as latitude,
        case
            when is_pin_public then {{ cast_or_null(record_path('fields', 'location.longitude'), 'double') }}
            else {{ cast_or_null(record_path('fields', 'location.fake_longitude'), 'double') }}
        end as longitude,
        case when not is_removal then is_pin_public end as location_is_exact,

        ---------- media: the original image, its watermarked copy where there is no original
        cast(coalesce({{ list_length('photo_list') }}, 0) as integer) as photo_count,
        {{ list_to_json(list_transform(
            list_or_empty('photo_list'),
            'photo',
            photo_record(
                position='position',
                url='coalesce(' ~ record_field('photo', 'original_image') ~ ', '
                    ~ record_field('photo', 'watermark_image') ~ ')'
            ),
            position='position'
        )) }} as photos,

        ---------- timestamps: naive local times of the configured timezone, to UTC
        {{ from_local_time(cast_or_null(record_path('fields', 'date_created'), 'timestamp'), settings.timezone) }}
            as source_created_at,
        {{ from_local_time(cast_or_null(record_path('fields', 'date_updated'), 'timestamp'), settings.timezone) }}
            as source_updated_at,
        -- "the date and time the status was last changed" (estateprime.txt:162): dates a deletion
        {{ from_local_time(cast_or_null(record_path('fields', 'status_date'), 'timestamp'), settings.timezone) }}
            as source_status_changed_at

    from privacy

)

select * from renamed
