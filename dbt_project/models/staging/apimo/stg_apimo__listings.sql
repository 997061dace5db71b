{%- set settings = var('provider_settings')['apimo'] -%}

with

source as (

    {{ committed_rows('raw_apimo', 'listings') }}

),

-- Nested parts parsed once; json_transform yields null for a value of the wrong type, never an error.
parsed as (

    select
        *,
        try_cast(payload ->> '$.publish_address' as integer) = 1 as address_is_public,
        try_cast(payload ->> '$.area.unit' as integer) as area_unit,
        coalesce(try_cast(payload ->> '$.type' as integer) = 3, false) as is_land,
        json_transform(
            payload -> '$.comments',
            '[{"language": "VARCHAR", "title": "VARCHAR", "comment": "VARCHAR", "comment_full": "VARCHAR"}]'
        ) as comment_list,
        json_transform(
            payload -> '$.pictures',
            '[{"rank": "INTEGER", "url": "VARCHAR", "width_max": "INTEGER", "height_max": "INTEGER"}]'
        ) as picture_list,
        json_transform(payload -> '$.areas', '[{"type": "VARCHAR", "number": "VARCHAR"}]') as room_list
    from source

),

-- The English comment when there is one, else the first: title and description come from one.
with_text as (

    select
        *,
        coalesce(
            list_filter(comment_list, lambda comment: comment.language = 'en')[1], comment_list[1]
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
        payload ->> '$.reference' as reference,
        cast(null as varchar) as mls_number,

        ---------- classification: numeric codes as text, mapped and labelled by the crosswalk downstream
        payload ->> '$.category' as source_listing_type,
        payload ->> '$.subtype' as source_property_type,  -- finer than `type` (villa, townhouse, ...)
        payload ->> '$.subtype' as property_subtype,
        payload ->> '$.status' as source_status,

        ---------- price: `hide` keeps the amount out of the marts
        case
            when not coalesce(try_cast(payload ->> '$.price.hide' as boolean), false)
                then try_cast(payload ->> '$.price.value' as decimal(18, 2))
        end as list_price,
        coalesce(payload ->> '$.price.currency', '{{ settings.currency }}') as currency,
        case try_cast(payload ->> '$.price.period' as integer)
            when 1 then 'month'
            when 2 then 'week'
        end as price_period,
        try_cast(payload ->> '$.price.hide' as boolean) as price_is_hidden,

        ---------- size: area unit 1 is m², 2 is sq ft; another unit gives no area rather than a wrong one
        try_cast(payload ->> '$.bedrooms' as integer) as bedrooms,
        cast(
            list_sum(
                list_transform(
                    list_filter(room_list, lambda room: room.type = '8'), lambda room: try_cast(room.number as integer)
                )
            ) as decimal(5, 2)
        ) as bathrooms,
        case when not is_land then
            try_cast(payload ->> '$.area.value' as double)
            * case area_unit when 1 then 1.0 when 2 then 0.09290304 end
        end as living_area_sqm,
        case when is_land then
            try_cast(payload ->> '$.area.value' as double)
            * case area_unit when 1 then 1.0 when 2 then 0.09290304 end
        end as lot_area_sqm,
        cast(null as integer) as year_built,  -- not sent

        ---------- text: English when the agency wrote it, else the first language
        nullif(chosen_comment.title, '') as title,
        coalesce(nullif(chosen_comment.comment_full, ''), chosen_comment.comment) as description,

        ---------- location: without publish_address, no street line and coordinates on a ~1 km grid
        case when address_is_public then payload ->> '$.address' end as address_line,
        payload ->> '$.city.name' as city,
        payload ->> '$.region.name' as region,
        payload ->> '$.city.zipcode' as postal_code,
        coalesce(payload ->> '$.country', '{{ settings.country_code }}') as country_code,
        case
            when address_is_public then try_cast(payload ->> '$.latitude' as double)
            else round(try_cast(payload ->> '$.latitude' as double), 2)
        end as latitude,
        case
            when address_is_public then try_cast(payload ->> '$.longitude' as double)
            else round(try_cast(payload ->> '$.longitude' as double), 2)
        end as longitude,
        address_is_public as location_is_exact,

        ---------- media: pictures by rank
        cast(coalesce(len(picture_list), 0) as integer) as photo_count,
        cast(
            list_transform(
                list_sort(coalesce(picture_list, []), 'ASC', 'NULLS LAST'),
                lambda picture, position: {
                    'position': position, 'url': picture.url, 'caption': null::varchar,
                    'is_floor_plan': false, 'width': picture.width_max, 'height': picture.height_max
                }
            ) as json
        ) as photos,

        ---------- timestamps: naive local time of the agency, converted with the configured timezone
        timezone('{{ settings.timezone }}', try_cast(payload ->> '$.created_at' as timestamp)) as source_created_at,
        timezone('{{ settings.timezone }}', try_cast(payload ->> '$.updated_at' as timestamp)) as source_updated_at

    from with_text

)

select * from renamed
