{#- Staging of the Enclosure/Koto listings API (provider `enclosure_koto`). One API on two hosts,
    landed as two raw datasets (`raw_enclosure`, `raw_koto`): both staging models call this macro
    with their source name, so the two can never drift apart.

    Choices where the API document is silent (also in each model's YAML description):
    - a `for_rent` price (enclosure_koto.txt:44) is per month: the document never says, and the
      sandbox's rents are living area x 1.1-2.8 USD, a monthly figure;
    - photos: one per offset 0..photo_count-1 from `photo_template`, at size `large` (at most
      1024x768; enclosure_koto.txt:109-124); width and height stay null, since a size is only a maximum;
    - `bedrooms` is a float ("full and fractional bedrooms", enclosure_koto.txt:88): the integer
      column keeps whole bedrooms (floor);
    - the API publishes the exact address and coordinates (enclosure_koto.txt:78, :86-87), so
      location_is_exact is always true. -#}
{% macro stg_enclosure_koto_listings(source_name) -%}
{%- set settings = var('provider_settings')[source_name] -%}

with

source as (

    {{ listing_rows('raw_' ~ source_name) }}

),

-- Every payload field the model reads, in one parse of the payload (see json_record); a value of
-- the wrong type reads as null, never an error. The fields: enclosure_koto.txt:66-108.
payload_read as (

    select
        *,
        {{ json_record(
            'payload',
            texts=[
                'photo_template', 'photo_count', 'mls_number', 'type', 'property_type', 'status', 'price',
                'bedrooms', 'bathrooms', 'living_area', 'lot_size', 'year_built', 'description',
                'street_address', 'unit_number', 'city', 'state', 'zip_code', 'latitude', 'longitude',
                'created_at', 'updated_at'
            ]
        ) }} as fields
    from source

),

-- The photos' URL template and offsets (0 to photo_count - 1) read once per version, not per photo:
-- {offset} is "less than photo_count" and "the 0-based photo offset" (enclosure_koto.txt:115-117).
parsed as (

    select
        *,
        {{ record_path('fields', 'photo_template') }} as photo_template,  -- enclosure_koto.txt:95, :109-111
        {{ integer_range(
            'greatest(coalesce(' ~ cast_or_null(record_path('fields', 'photo_count'), 'bigint') ~ ', 0), 0)'
        ) }} as photo_offsets
    from payload_read

),

renamed as (

    select
        ---------- ids and lineage
        '{{ source_name }}' as source,
        'enclosure_koto' as provider,
        account_id,
        source_listing_id,  -- id (enclosure_koto.txt:68)
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        cast(null as varchar) as reference,  -- not in the document: no agency reference besides mls_number
        {{ record_path('fields', 'mls_number') }} as mls_number,  -- enclosure_koto.txt:72

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        {{ record_path('fields', 'type') }} as source_listing_type,  -- for_sale, for_rent (enclosure_koto.txt:44, :71)
        {{ record_path('fields', 'property_type') }} as source_property_type,  -- enclosure_koto.txt:74, :218
        {{ record_path('fields', 'property_type') }} as property_subtype,  -- enclosure_koto.txt:74, :218
        {{ record_path('fields', 'status') }} as source_status,  -- active or pending (enclosure_koto.txt:73)

        ---------- price: "Price is USD" (enclosure_koto.txt:76)
        {{ cast_or_null(record_path('fields', 'price'), 'decimal(18, 2)') }} as list_price,  -- enclosure_koto.txt:76
        '{{ settings.currency }}' as currency,  -- USD, configured (enclosure_koto.txt:76)
        -- not in the document: a for_rent price is per month (see above); a sale has no period
        case when {{ record_path('fields', 'type') }} = 'for_rent' then 'month' end as price_period,
        false as price_is_hidden,  -- not in the document: no hidden-price flag; never hidden

        ---------- size, in square metres
        -- "full and fractional bedrooms" (enclosure_koto.txt:88); not in the document: whole bedrooms (floor)
        {{ cast_or_null('floor(' ~ cast_or_null(record_path('fields', 'bedrooms'), 'double') ~ ')', 'integer') }}
            as bedrooms,
        -- "full and fractional bathrooms" (enclosure_koto.txt:89)
        {{ cast_or_null(record_path('fields', 'bathrooms'), 'decimal(5, 2)') }} as bathrooms,
        -- "Living area in square foo[t]" (enclosure_koto.txt:84, and :50-51)
        {{ cast_or_null(record_path('fields', 'living_area'), 'double') }} * 0.09290304 as living_area_sqm,
        -- "Lot size in acres" (enclosure_koto.txt:83)
        {{ cast_or_null(record_path('fields', 'lot_size'), 'double') }} * 4046.8564224 as lot_area_sqm,
        {{ cast_or_null(record_path('fields', 'year_built'), 'integer') }} as year_built,  -- enclosure_koto.txt:77

        ---------- text (English only, no title; not in the document: the language)
        cast(null as varchar) as title,  -- not in the document: no title
        {{ record_path('fields', 'description') }} as description,  -- remarks (enclosure_koto.txt:75)

        ---------- location: the API publishes the exact street address and coordinates
        -- street_address, unit_number (enclosure_koto.txt:78-79); not in the document: joined with " Unit "
        {{ record_path('fields', 'street_address') }}
        || coalesce(' Unit ' || nullif(trim({{ record_path('fields', 'unit_number') }}), ''), '') as address_line,
        {{ record_path('fields', 'city') }} as city,  -- enclosure_koto.txt:80
        {{ record_path('fields', 'state') }} as region,  -- enclosure_koto.txt:81
        {{ record_path('fields', 'zip_code') }} as postal_code,  -- enclosure_koto.txt:82
        '{{ settings.country_code }}' as country_code,  -- not in the document: the configured country, US
        {{ cast_or_null(record_path('fields', 'latitude'), 'double') }} as latitude,  -- enclosure_koto.txt:87
        {{ cast_or_null(record_path('fields', 'longitude'), 'double') }} as longitude,  -- enclosure_koto.txt:86
        true as location_is_exact,  -- not in the document: no privacy field is sent (see above)

        ---------- media: photo_count photos behind one URL template, by 0-based offset
        -- photo_count (enclosure_koto.txt:94); the template's {offset} and {size} (enclosure_koto.txt:115-118);
        -- not in the document: which size, large (at most 1024x768, enclosure_koto.txt:123)
        greatest(coalesce({{ cast_or_null(record_path('fields', 'photo_count'), 'integer') }}, 0), 0) as photo_count,
        {{ list_to_json(list_transform(
            'photo_offsets',
            'photo_offset',
            photo_record(
                position='cast(photo_offset + 1 as integer)',
                url="replace(replace(photo_template, '{offset}', cast(photo_offset as varchar)), '{size}', 'large')"
            )
        )) }} as photos,

        ---------- timestamps (UTC with a Z)
        -- "UTC creation time", "UTC modification time" (enclosure_koto.txt:69-70), "2021-04-25T17:35:23Z" (:139)
        {{ cast_or_null(record_path('fields', 'created_at'), 'timestamptz') }} as source_created_at,
        {{ cast_or_null(record_path('fields', 'updated_at'), 'timestamptz') }} as source_updated_at,
        -- not in the document: a date of the last status change; null
        cast(null as timestamp with time zone) as source_status_changed_at

    from parsed

)

select * from renamed
{%- endmacro %}
