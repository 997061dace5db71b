{%- set settings = var('provider_settings')['estateprime'] -%}

with

source as (

    {{ committed_rows('raw_estateprime', 'listings') }}

),

-- Nested parts parsed once: json_transform yields null for a value of the wrong type, never an error.
parsed as (

    select
        *,
        payload -> '$.location' as location,
        json_transform(
            payload -> '$.translations',
            '[{"language_id": "INTEGER", "title": "VARCHAR", "description": "VARCHAR"}]'
        ) as translation_list,
        json_transform(
            payload -> '$.photos',
            '[{"original_image": "VARCHAR", "watermark_image": "VARCHAR"}]'
        ) as photo_list,
        try_cast(payload ->> '$.has_hidden_price' as boolean) as has_hidden_price
    from source

),

-- What may be published: the exact address only where `display_address` is explicitly true, the
-- exact pin only where, in addition, the map shows no privacy circle. Anything else (false, or the
-- flag missing) gets the fake address and fake coordinates, which may be null.
privacy as (

    select
        *,
        coalesce(try_cast(location ->> '$.display_address' as boolean), false) as is_address_public,
        coalesce(try_cast(location ->> '$.display_address' as boolean), false)
        and not coalesce(try_cast(location ->> '$.show_circle_on_map' as boolean), false) as is_pin_public,
        -- language_id 1 is English (the document's example; the sandbox says so); else the first one
        coalesce(
            list_filter(translation_list, lambda translation: translation.language_id = 1)[1],
            translation_list[1]
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
        payload ->> '$.code' as reference,  -- the human-readable listing code, e.g. RES-00120
        cast(null as varchar) as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        payload ->> '$.availability' as source_listing_type,  -- sale, rent, auction, shortterm
        -- the subcategory is the finer word; the category stands in where a version has none
        coalesce(payload ->> '$.subcategory', payload ->> '$.category') as source_property_type,
        payload ->> '$.subcategory' as property_subtype,
        payload ->> '$.status' as source_status,

        ---------- price: EUR (not sent); a hidden price is sent but not published, so it stays in raw
        case when not coalesce(has_hidden_price, false) then try_cast(payload ->> '$.price' as decimal(18, 2)) end
            as list_price,
        '{{ settings.currency }}' as currency,
        case payload ->> '$.availability'
            when 'rent' then 'month'  -- long-term rents are quoted per month; the document is silent
            when 'shortterm' then
                case payload ->> '$.shortterm_unit'
                    when 'per_day' then 'day'
                    when 'per_week' then 'week'
                    when 'per_month' then 'month'
                    when 'per_year' then 'year'
                end  -- per_season has no fixed length: no period
        end as price_period,
        case when not is_removal then coalesce(has_hidden_price, false) end as price_is_hidden,

        ---------- size, already in square metres
        try_cast(payload ->> '$.rooms' as integer) as bedrooms,  -- "rooms/bedrooms" in the document
        try_cast(payload ->> '$.bathrooms' as decimal(5, 2)) as bathrooms,
        try_cast(payload ->> '$.size' as double) as living_area_sqm,
        try_cast(payload ->> '$.land_size' as double) as lot_area_sqm,
        try_cast(payload ->> '$.year_built' as integer) as year_built,

        ---------- text: one translation, English if there is one, else the first
        chosen_translation.title as title,
        chosen_translation.description as description,

        ---------- location: the public address and pin only (see the privacy CTE)
        case
            when is_address_public then location ->> '$.address_el'
            else location ->> '$.fake_address_el'
        end as address_line,
        regexp_replace(
            coalesce(location ->> '$.area_level2.name_en', location ->> '$.area_level2.name_el'),
            '^Municipality of ',
            ''
        ) as city,
        coalesce(location ->> '$.area_level1.name_en', location ->> '$.area_level1.name_el') as region,
        location ->> '$.postal_code' as postal_code,
        '{{ settings.country_code }}' as country_code,
        case
            when is_pin_public then try_cast(location ->> '$.latitude' as double)
            else try_cast(location ->> '$.fake_latitude' as double)
        end as latitude,
        case
            when is_pin_public then try_cast(location ->> '$.longitude' as double)
            else try_cast(location ->> '$.fake_longitude' as double)
        end as longitude,
        case when not is_removal then is_pin_public end as location_is_exact,

        ---------- media: the original image, its watermarked copy where there is no original
        cast(coalesce(len(photo_list), 0) as integer) as photo_count,
        cast(
            list_transform(
                coalesce(photo_list, []),
                lambda photo, position: {
                    'position': position,
                    'url': coalesce(photo.original_image, photo.watermark_image),
                    'caption': null::varchar,
                    'is_floor_plan': false,
                    'width': null::integer,
                    'height': null::integer
                }
            ) as json
        ) as photos,

        ---------- timestamps: naive local times of the configured timezone, to UTC
        timezone('{{ settings.timezone }}', try_cast(payload ->> '$.date_created' as timestamp)) as source_created_at,
        timezone('{{ settings.timezone }}', try_cast(payload ->> '$.date_updated' as timestamp)) as source_updated_at

    from privacy

)

select * from renamed
