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
{%- set settings = provider_settings(source_name) -%}

with

source as (

    {{ listing_rows('raw_' ~ source_name) }}

),

-- Every payload field the model reads, typed, in one parse of the payload (see json_columns); a
-- value of the wrong type reads as null, never an error. The fields: enclosure_koto.txt:66-108.
payload as (

    {{ json_columns('source', 'payload', {
        'mls_number': 'varchar',
        'type': 'varchar',
        'property_type': 'varchar',
        'status': 'varchar',
        'price': 'decimal(18, 2)',
        'bedrooms': 'double precision',
        'bathrooms': 'decimal(5, 2)',
        'living_area': 'double precision',
        'lot_size': 'double precision',
        'year_built': 'integer',
        'description': 'varchar',
        'street_address': 'varchar',
        'unit_number': 'varchar',
        'city': 'varchar',
        'state': 'varchar',
        'zip_code': 'varchar',
        'latitude': 'double precision',
        'longitude': 'double precision',
        'photo_count': 'integer',
        'photo_template': 'varchar',
        'created_at': 'timestamptz',
        'updated_at': 'timestamptz'
    }) }}

),

-- The photos' offsets (0 to photo_count - 1) listed once per version, not per photo: {offset} is
-- "less than photo_count" and "the 0-based photo offset" (enclosure_koto.txt:115-117).
parsed as (

    select
        *,
        {{ integer_range('greatest(coalesce(photo_count, 0), 0)') }} as photo_offsets
    from payload

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
        mls_number,  -- enclosure_koto.txt:72

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        type as source_listing_type,  -- for_sale, for_rent (enclosure_koto.txt:44, :71)
        property_type as source_property_type,  -- enclosure_koto.txt:74, :218
        property_type as property_subtype,  -- enclosure_koto.txt:74, :218
        status as source_status,  -- active or pending (enclosure_koto.txt:73)

        ---------- price: "Price is USD" (enclosure_koto.txt:76)
        price as list_price,  -- enclosure_koto.txt:76
        '{{ settings.currency }}' as currency,  -- USD, configured (enclosure_koto.txt:76)
        -- not in the document: a for_rent price is per month (see above); a sale has no period
        case when type = 'for_rent' then 'month' end as price_period,
        false as price_is_hidden,  -- not in the document: no hidden-price flag; never hidden

        ---------- size, in square metres
        -- "full and fractional bedrooms" (enclosure_koto.txt:88); not in the document: whole bedrooms (floor)
        {{ cast_or_null('floor(bedrooms)', 'integer') }} as bedrooms,
        -- "full and fractional bathrooms" (enclosure_koto.txt:89)
        bathrooms,
        -- "Living area in square foo[t]" (enclosure_koto.txt:84, and :50-51)
        living_area * 0.09290304 as living_area_sqm,
        -- "Lot size in acres" (enclosure_koto.txt:83)
        lot_size * 4046.8564224 as lot_area_sqm,
        year_built,  -- enclosure_koto.txt:77

        ---------- text (English only, no title; not in the document: the language)
        cast(null as varchar) as title,  -- not in the document: no title
        description,  -- remarks (enclosure_koto.txt:75)

        ---------- location: the API publishes the exact street address and coordinates
        -- street_address, unit_number (enclosure_koto.txt:78-79); not in the document: joined with " Unit "
        street_address || coalesce(' Unit ' || nullif(trim(unit_number), ''), '') as address_line,
        city,  -- enclosure_koto.txt:80
        state as region,  -- enclosure_koto.txt:81
        zip_code as postal_code,  -- enclosure_koto.txt:82
        '{{ settings.country_code }}' as country_code,  -- not in the document: the configured country, US
        latitude,  -- enclosure_koto.txt:87
        longitude,  -- enclosure_koto.txt:86
        true as location_is_exact,  -- not in the document: no privacy field is sent (see above)

        ---------- media: photo_count photos behind one URL template, by 0-based offset
        -- photo_count (enclosure_koto.txt:94); the template's {offset} and {size} (enclosure_koto.txt:115-118);
        -- not in the document: which size, large (at most 1024x768, enclosure_koto.txt:123)
        greatest(coalesce(photo_count, 0), 0) as photo_count,
        -- one URL per offset from photo_template (enclosure_koto.txt:95, :109-111)
        -- noqa: disable=PRS
        {{ photos_json(
            'photo_offsets',
            'photo_offset',
            position='cast(photo_offset + 1 as integer)',
            url="replace(replace(photo_template, '{offset}', cast(photo_offset as varchar)), '{size}', 'large')"
        ) }} as photos,
        -- noqa: enable=PRS

        ---------- timestamps (UTC with a Z)
        -- "UTC creation time", "UTC modification time" (enclosure_koto.txt:69-70), "2021-04-25T17:35:23Z" (:139)
        created_at as source_created_at,
        updated_at as source_updated_at,
        -- not in the document: a date of the last status change; null
        cast(null as timestamp with time zone) as source_status_changed_at,

        ---------- analyst attributes: none sent (enclosure_koto.txt:66-108 lists every field)
        cast(null as decimal(18, 2)) as sold_price,  -- status is active or pending only (enclosure_koto.txt:73)
        cast(null as date) as sold_at,
        cast(null as decimal(18, 2)) as provider_original_list_price,
        cast(null as decimal(5, 2)) as rooms,  -- bedrooms and bathrooms only (enclosure_koto.txt:88-93)
        cast(null as varchar) as source_energy_class,
        cast(null as varchar) as source_greenhouse_gas_class,
        cast(null as decimal(4, 1)) as floor,
        cast(null as integer) as building_floors,
        cast(null as decimal(18, 2)) as monthly_running_costs,
        cast(null as decimal(18, 2)) as included_fees,
        cast(null as varchar) as source_condition,
        cast(null as integer) as year_renovated,
        cast(null as varchar) as source_tag_ids

    from parsed

)

select * from renamed
{%- endmacro %}
