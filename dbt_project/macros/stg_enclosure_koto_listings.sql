{#- Staging of the Enclosure/Koto listings API (provider `enclosure_koto`). One API on two hosts,
    landed as two raw datasets (`raw_enclosure`, `raw_koto`): both staging models call this macro
    with their source name, so the two can never drift apart.

    Choices where the API document is silent (also in each model's YAML description):
    - a `for_rent` price is per month: the document never says, and the sandbox's rents are
      living area x 1.1-2.8 USD, a monthly figure;
    - photos: one per offset 0..photo_count-1 from `photo_template`, at size `large` (at most
      1024x768); width and height stay null, since a size is only a maximum;
    - `bedrooms` is a float ("full and fractional bedrooms"): the integer column keeps whole
      bedrooms (floor);
    - the API publishes the exact address and coordinates, so location_is_exact is always true. -#}
{% macro stg_enclosure_koto_listings(source_name) -%}
{%- set settings = var('provider_settings')[source_name] -%}

with

source as (

    {{ committed_rows('raw_' ~ source_name, 'listings') }}

),

renamed as (

    select
        ---------- ids and lineage
        '{{ source_name }}' as source,
        'enclosure_koto' as provider,
        account_id,
        source_listing_id,
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        cast(null as varchar) as reference,
        payload ->> '$.mls_number' as mls_number,

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        payload ->> '$.type' as source_listing_type,
        payload ->> '$.property_type' as source_property_type,
        payload ->> '$.property_type' as property_subtype,
        payload ->> '$.status' as source_status,

        ---------- price
        try_cast(payload ->> '$.price' as decimal(18, 2)) as list_price,
        '{{ settings.currency }}' as currency,
        case when payload ->> '$.type' = 'for_rent' then 'month' end as price_period,  -- assumed
        false as price_is_hidden,

        ---------- size, in square metres
        try_cast(floor(try_cast(payload ->> '$.bedrooms' as double)) as integer) as bedrooms,
        try_cast(payload ->> '$.bathrooms' as decimal(5, 2)) as bathrooms,
        try_cast(payload ->> '$.living_area' as double) * 0.09290304 as living_area_sqm,
        try_cast(payload ->> '$.lot_size' as double) * 4046.8564224 as lot_area_sqm,
        try_cast(payload ->> '$.year_built' as integer) as year_built,

        ---------- text (English only, no title)
        cast(null as varchar) as title,
        payload ->> '$.description' as description,

        ---------- location: the API publishes the exact street address and coordinates
        payload ->> '$.street_address'
        || coalesce(' Unit ' || nullif(trim(payload ->> '$.unit_number'), ''), '') as address_line,
        payload ->> '$.city' as city,
        payload ->> '$.state' as region,
        payload ->> '$.zip_code' as postal_code,
        '{{ settings.country_code }}' as country_code,
        try_cast(payload ->> '$.latitude' as double) as latitude,
        try_cast(payload ->> '$.longitude' as double) as longitude,
        true as location_is_exact,

        ---------- media: photo_count photos behind one URL template, by 0-based offset
        greatest(coalesce(try_cast(payload ->> '$.photo_count' as integer), 0), 0) as photo_count,
        cast(
            list_transform(
                range(greatest(coalesce(try_cast(payload ->> '$.photo_count' as bigint), 0), 0)),
                lambda photo_offset: {
                    'position': cast(photo_offset + 1 as integer),
                    'url': replace(
                        replace(payload ->> '$.photo_template', '{offset}', cast(photo_offset as varchar)),
                        '{size}', 'large'
                    ),
                    'caption': null::varchar, 'is_floor_plan': false,
                    'width': null::integer, 'height': null::integer
                }
            ) as json
        ) as photos,

        ---------- timestamps (UTC with a Z)
        try_cast(payload ->> '$.created_at' as timestamptz) as source_created_at,
        try_cast(payload ->> '$.updated_at' as timestamptz) as source_updated_at

    from source

)

select * from renamed
{%- endmacro %}
