{%- set settings = var('provider_settings')['avaroai'] -%}

with

source as (

    {{ committed_rows('raw_avaroai', 'listings') }}

),

-- Photos parsed once: json_transform yields null for a value of the wrong type, never an error.
parsed as (

    select
        *,
        json_transform(
            payload -> '$.photos',
            '[{"index": "INTEGER", "caption": "VARCHAR", "floor_plan": "BOOLEAN"}]'
        ) as photo_list,
        try_cast(payload ->> '$.rental' as boolean) as is_rental
    from source

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
        payload ->> '$.private_reference' as reference,  -- the organization's own reference
        cast(null as varchar) as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        cast(is_rental as varchar) as source_listing_type,  -- the `rental` flag as text: true / false
        payload ->> '$.property' as source_property_type,
        payload ->> '$.property' as property_subtype,
        case when not is_removal then 'active' end as source_status,  -- only active listings are served

        ---------- price: the currency is the organization's and is not sent
        try_cast(payload ->> '$.published_price' as decimal(18, 2)) as list_price,
        '{{ settings.currency }}' as currency,
        case when is_rental then 'month' end as price_period,  -- Cyprus rents are quoted per month
        false as price_is_hidden,

        ---------- size, already in square metres
        try_cast(payload ->> '$.bedrooms' as integer) as bedrooms,
        try_cast(payload ->> '$.bathrooms' as decimal(5, 2)) as bathrooms,
        try_cast(payload ->> '$.covered_area' as double) as living_area_sqm,
        try_cast(payload ->> '$.plot_size' as double) as lot_area_sqm,
        cast(null as integer) as year_built,  -- not sent; custom_fields vary by organization

        ---------- text (English only)
        payload ->> '$.title' as title,
        payload ->> '$.description' as description,

        ---------- location: the exact address and one "lat,long" string
        nullif(concat_ws(', ', nullif(trim(payload ->> '$.line_1'), ''), nullif(trim(payload ->> '$.line_2'), '')), '')
            as address_line,
        payload ->> '$.city' as city,
        payload ->> '$.region' as region,
        payload ->> '$.post_code' as postal_code,
        '{{ settings.country_code }}' as country_code,
        case
            when try_cast(trim(split_part(payload ->> '$.coordinates', ',', 1)) as double) between -90 and 90
                then try_cast(trim(split_part(payload ->> '$.coordinates', ',', 1)) as double)
        end as latitude,
        case
            when try_cast(trim(split_part(payload ->> '$.coordinates', ',', 2)) as double) between -180 and 180
                then try_cast(trim(split_part(payload ->> '$.coordinates', ',', 2)) as double)
        end as longitude,
        case when not is_removal then true end as location_is_exact,

        ---------- media: AvaroAI forbids hotlinking, so no photo URL leaves raw (url is always null)
        cast(coalesce(len(photo_list), 0) as integer) as photo_count,
        cast(
            list_transform(
                list_sort(
                    list_transform(
                        coalesce(photo_list, []),
                        lambda photo, ordinal: {
                            'sort_index': coalesce(photo['index'], ordinal - 1),
                            'ordinal': ordinal,
                            'caption': photo['caption'],
                            'is_floor_plan': photo['floor_plan']
                        }
                    )
                ),
                lambda photo, position: {
                    'position': position, 'url': null::varchar, 'caption': photo['caption'],
                    'is_floor_plan': photo['is_floor_plan'], 'width': null::integer, 'height': null::integer
                }
            ) as json
        ) as photos,

        ---------- timestamps (UTC with a Z)
        try_cast(payload ->> '$.created_at' as timestamptz) as source_created_at,
        try_cast(payload ->> '$.updated_at' as timestamptz) as source_updated_at

    from parsed

)

select * from renamed
