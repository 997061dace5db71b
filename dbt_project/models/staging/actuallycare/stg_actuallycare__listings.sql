{%- set settings = provider_settings('actuallycare') -%}

with

source as (

    {{ listing_rows('raw_actuallycare') }}

),

-- Every payload field the model reads, typed, in one parse of the payload (see json_columns); a
-- value of the wrong type reads as null, never an error. The fields: the full object of
-- actuallycare.txt:214-243.
payload as (

    {{ json_columns('source', 'payload', {
        'mls_number': 'varchar',
        'property_type': 'varchar',
        'status': 'varchar',
        'list_price': 'decimal(18, 2)',
        'bedrooms': 'integer',
        'bathrooms': 'decimal(5, 2)',
        'square_feet': 'double precision',
        'lot_size': 'double precision',
        'year_built': 'integer',
        'description': 'varchar',
        'address': 'varchar',
        'city': 'varchar',
        'state': 'varchar',
        'zip_code': 'varchar',
        'photos': ['varchar'],
        'created_at': 'timestamptz',
        'updated_at': 'timestamptz'
    }) }}

),

renamed as (

    select
        ---------- ids and lineage
        'actuallycare' as source,
        'actuallycare' as provider,
        account_id,
        source_listing_id,  -- id, a UUID (actuallycare.txt:48, :132)
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        cast(null as varchar) as reference,  -- not in the document: no agency reference besides mls_number
        mls_number,  -- actuallycare.txt:49

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        -- not in the document: no listing type is sent and no rental is described; every listing is a sale
        'sale' as source_listing_type,
        property_type as source_property_type,  -- actuallycare.txt:82
        property_type as property_subtype,  -- actuallycare.txt:82
        status as source_status,  -- actuallycare.txt:21, :185

        ---------- price: "Listing price in USD" (actuallycare.txt:81, :184)
        list_price,  -- actuallycare.txt:81
        '{{ settings.currency }}' as currency,  -- USD, configured (actuallycare.txt:81)
        cast(null as varchar) as price_period,  -- not in the document: no period; a sale has none
        false as price_is_hidden,  -- not in the document: no hidden-price flag; never hidden

        ---------- size, in square metres
        bedrooms,  -- actuallycare.txt:83
        bathrooms,  -- actuallycare.txt:84
        -- square_feet (actuallycare.txt:59; the unit is only in the name, and price_per_sqft's, :239)
        square_feet * 0.09290304 as living_area_sqm,
        -- lot_size (actuallycare.txt:228, 0.5); not in the document: its unit, read as acres
        lot_size * 4046.8564224 as lot_area_sqm,
        year_built,  -- actuallycare.txt:166

        ---------- text (English only; not in the document: the language)
        cast(null as varchar) as title,  -- not in the document: no title
        description,  -- actuallycare.txt:230

        ---------- location: the API publishes the exact street address and no coordinates
        -- "Street address of the property" (actuallycare.txt:80), but the examples send the whole address
        -- (actuallycare.txt:50); not in the document: the street line is the part before the first comma
        trim(split_part(address, ',', 1)) as address_line,
        city,  -- actuallycare.txt:51
        state as region,  -- actuallycare.txt:52
        zip_code as postal_code,  -- actuallycare.txt:53
        '{{ settings.country_code }}' as country_code,  -- not in the document: the configured country, US
        cast(null as double precision) as latitude,  -- not in the document: no coordinates
        cast(null as double precision) as longitude,
        true as location_is_exact,  -- not in the document: a street address is taken as exact

        ---------- media: plain URLs, in order
        -- photos (actuallycare.txt:233-235, "example photos"); not in the document: each string is a URL
        cast(coalesce({{ list_length('photos') }}, 0) as integer) as photo_count,
        -- noqa: disable=PRS
        {{ photos_json('photos', 'photo_url', url='photo_url') }} as photos,
        -- noqa: enable=PRS

        ---------- timestamps (UTC with a Z)
        -- created_at, updated_at: "2026-07-15T14:32:10.000Z" (actuallycare.txt:119-120, :241-242)
        created_at as source_created_at,
        updated_at as source_updated_at,
        -- not in the document: a date of the last status change; null
        cast(null as timestamp with time zone) as source_status_changed_at,

        ---------- analyst attributes: none sent, except as noted
        -- a `sold` status (actuallycare.txt:21, :185) says that it sold, not when or for how much:
        -- `listing_date` (:231) is the listing's start, and `days_on_market` (:238) a count whose end
        -- the document does not give (a sold listing's may still be running), so no sale date follows
        -- from them; list_price (:81) is an asking price, never a sold price
        cast(null as decimal(18, 2)) as sold_price,
        cast(null as date) as sold_at,
        cast(null as decimal(18, 2)) as provider_original_list_price,
        cast(null as decimal(5, 2)) as rooms,  -- bedrooms and bathrooms only (actuallycare.txt:83-84)
        cast(null as varchar) as source_energy_class,
        cast(null as varchar) as source_greenhouse_gas_class,
        cast(null as decimal(4, 1)) as floor,
        cast(null as integer) as building_floors,
        cast(null as decimal(18, 2)) as monthly_running_costs,
        cast(null as decimal(18, 2)) as included_fees,
        cast(null as varchar) as source_condition,
        cast(null as integer) as year_renovated,
        cast(null as varchar) as source_tag_ids

    from payload

)

select * from renamed
