{%- set settings = provider_settings('avaroai') -%}

with

source as (

    {{ listing_rows('raw_avaroai') }}

),

-- Every payload field the model reads, typed, in one parse of the payload (see json_columns); a
-- value of the wrong type reads as null, never an error. The fields: avaroai.txt:103-139.
payload as (

    {{ json_columns('source', 'payload', {
        'private_reference': 'varchar',
        'property': 'varchar',
        'rental': 'boolean',
        'published_price': 'decimal(18, 2)',
        'bedrooms': 'integer',
        'bathrooms': 'decimal(5, 2)',
        'covered_area': 'double precision',
        'plot_size': 'double precision',
        'title': 'varchar',
        'description': 'varchar',
        'line_1': 'varchar',
        'line_2': 'varchar',
        'city': 'varchar',
        'region': 'varchar',
        'post_code': 'varchar',
        'coordinates': 'varchar',
        'photos': [{'index': 'integer', 'caption': 'varchar', 'floor_plan': 'boolean'}],
        'created_at': 'timestamptz',
        'updated_at': 'timestamptz'
    }) }}

),

-- Address lines and coordinates, cleaned once: the columns below use each more than once.
parsed as (

    select
        *,
        nullif(trim(line_1), '') as address_line_1,  -- avaroai.txt:118
        nullif(trim(line_2), '') as address_line_2,  -- avaroai.txt:119
        -- one "latitude,longitude" string: "34.7553,32.4042" (avaroai.txt:68, :123)
        {{ cast_or_null("trim(split_part(coordinates, ',', 1))", 'double precision') }} as sent_latitude,
        {{ cast_or_null("trim(split_part(coordinates, ',', 2))", 'double precision') }} as sent_longitude
    from payload

),

-- Photos (avaroai.txt:127, :131-139) in display order: by `index`, a photo without one at its place
-- in the list (records sort by their first field, then the next). "ordered by their index position",
-- from 0 (avaroai.txt:131, :136); caption and floor_plan: avaroai.txt:135, :137. Not in the document:
-- a photo with no index.
ordered as (

    select
        *,
        -- noqa: disable=PRS
        {{ list_sort(list_transform(
            'photos',
            'photo',
            record({
                'sort_index': 'coalesce(' ~ cast_or_null(record_field('photo', 'index'), 'integer') ~ ', ordinal - 1)',
                'ordinal': 'ordinal',
                'caption': record_field('photo', 'caption'),
                'is_floor_plan': record_field('photo', 'floor_plan')
            }),
            position='ordinal'
        ), by=['sort_index', 'ordinal', 'caption', 'is_floor_plan']) }} as ordered_photos
        -- noqa: enable=PRS
    from parsed

),

renamed as (

    select
        ---------- ids and lineage
        'avaroai' as source,
        'avaroai' as provider,
        account_id,
        source_listing_id,  -- id (avaroai.txt:104)
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        -- the organization's own reference (avaroai.txt:105), not the public one (:106)
        private_reference as reference,
        cast(null as varchar) as mls_number,  -- not in the document: no MLS number

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        -- the `rental` flag as text, true / false: "a rental or a sale" (avaroai.txt:110)
        cast(rental as varchar) as source_listing_type,
        property as source_property_type,  -- avaroai.txt:108
        property as property_subtype,  -- avaroai.txt:108
        -- only active listings are served (avaroai.txt:39); no status field is sent
        case when not is_removal then 'active' end as source_status,

        ---------- price: the currency is the organization's and is not sent
        -- "Listed price in the organization's currency" (avaroai.txt:124)
        published_price as list_price,
        '{{ settings.currency }}' as currency,  -- not in the document: the configured currency, EUR
        -- not in the document: a rent is per month (as Cyprus rents are quoted); a sale has no period
        case when rental then 'month' end as price_period,  -- rental (avaroai.txt:110)
        false as price_is_hidden,  -- not in the document: no hidden-price flag; a published price is shown

        ---------- size, already in square metres (avaroai.txt:115-116)
        bedrooms,  -- avaroai.txt:111
        bathrooms,  -- avaroai.txt:112
        covered_area as living_area_sqm,  -- avaroai.txt:116
        plot_size as lot_area_sqm,  -- avaroai.txt:115
        -- not in the document: no year built; custom_fields (avaroai.txt:126) vary by organization
        cast(null as integer) as year_built,

        ---------- text (English only; not in the document: the language)
        title,  -- avaroai.txt:117
        description,  -- avaroai.txt:125

        ---------- location: the exact address and one "lat,long" string
        -- line_1, line_2 (avaroai.txt:118-119); not in the document: joined with ", "
        coalesce(address_line_1 || ', ' || address_line_2, address_line_1, address_line_2) as address_line,
        city,  -- avaroai.txt:120
        region,  -- "Region or district" (avaroai.txt:121)
        post_code as postal_code,  -- avaroai.txt:122
        '{{ settings.country_code }}' as country_code,  -- not in the document: the configured country, CY
        -- "(latitude, longitude)" (avaroai.txt:123); not in the document: a value out of range is dropped
        case when sent_latitude between -90 and 90 then sent_latitude end as latitude,
        case when sent_longitude between -180 and 180 then sent_longitude end as longitude,
        -- not in the document: the address and coordinates are taken as exact (no privacy field is sent)
        case when not is_removal then true end as location_is_exact,

        ---------- media: AvaroAI forbids hotlinking, so no photo URL leaves raw (url is always null)
        -- "Hotlinking is also not permitted" (avaroai.txt:143-145)
        cast(coalesce({{ list_length('photos') }}, 0) as integer) as photo_count,
        -- noqa: disable=PRS
        {{ photos_json(
            'ordered_photos',
            'photo',
            caption=record_field('photo', 'caption'),
            is_floor_plan=record_field('photo', 'is_floor_plan')
        ) }} as photos,
        -- noqa: enable=PRS

        ---------- timestamps (UTC with a Z)
        -- ISO 8601 (avaroai.txt:128-129), "2026-01-15T10:30:00.000000Z" (:82-83)
        created_at as source_created_at,
        updated_at as source_updated_at,
        -- not in the document: a date of the last status change; null
        cast(null as timestamp with time zone) as source_status_changed_at,

        ---------- analyst attributes: none sent (avaroai.txt:103-129 lists every field)
        cast(null as decimal(18, 2)) as sold_price,
        cast(null as date) as sold_at,
        cast(null as decimal(18, 2)) as provider_original_list_price,
        -- bedrooms and reception_rooms (avaroai.txt:111, :113), no total room count
        cast(null as decimal(5, 2)) as rooms,
        cast(null as varchar) as source_energy_class,
        cast(null as varchar) as source_greenhouse_gas_class,
        cast(null as decimal(4, 1)) as floor,
        cast(null as integer) as building_floors,
        cast(null as decimal(18, 2)) as monthly_running_costs,
        cast(null as decimal(18, 2)) as included_fees,
        -- `rating` (avaroai.txt:109) is a quality rating of the listing, not the property's condition
        cast(null as varchar) as source_condition,
        cast(null as integer) as year_renovated,
        cast(null as varchar) as source_tag_ids

    from ordered

)

select * from renamed
