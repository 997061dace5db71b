{%- set settings = provider_settings('estateprime') -%}
{#- Readings of what estateprime.txt leaves open, each a setting (the var `document_readings`, key
    `estateprime`; a changed reading is read into all history by the next build, see
    int_listing_versions). `rooms_count`: what `rooms`, "The number of rooms/bedrooms"
    (estateprime.txt:157), counts. `bedrooms` (default): the example's 3 rooms are its "3-bedroom
    apartment" (:26, :134), beside 1 living room and 1 kitchen counted apart (:37-38), so the field
    fills bedrooms and no total room count is known. `rooms`: a total room count (the Greek
    description's "τριάρι", :139, is a three-room flat), filling rooms and leaving bedrooms null. -#}
{%- set readings = {'rooms_count': 'bedrooms'} -%}
{%- do readings.update(var('document_readings', {}).get('estateprime', {})) -%}
{%- if readings.rooms_count not in ['bedrooms', 'rooms'] -%}
    {{ exceptions.raise_compiler_error(
        "document_readings.estateprime.rooms_count must be bedrooms or rooms, not " ~ readings.rooms_count
    ) }}
{%- endif -%}

with

source as (

    {{ listing_rows('raw_estateprime') }}

),

-- Every payload field the model reads, typed, in one parse of the payload (see json_columns); a
-- value of the wrong type reads as null, never an error. The fields: estateprime.txt:144-253.
payload as (

    {{ json_columns('source', 'payload', {
        'code': 'varchar',
        'category': 'varchar',
        'subcategory': 'varchar',
        'availability': 'varchar',
        'status': 'varchar',
        'price': 'decimal(18, 2)',
        'shortterm_unit': 'varchar',
        'has_hidden_price': 'boolean',
        'rooms': 'integer',
        'bathrooms': 'decimal(5, 2)',
        'size': 'double precision',
        'land_size': 'double precision',
        'year_built': 'integer',
        'location.display_address': 'boolean',
        'location.show_circle_on_map': 'boolean',
        'location.address_el': 'varchar',
        'location.fake_address_el': 'varchar',
        'location.area_level2.name_en': 'varchar',
        'location.area_level2.name_el': 'varchar',
        'location.area_level1.name_en': 'varchar',
        'location.area_level1.name_el': 'varchar',
        'location.postal_code': 'varchar',
        'location.latitude': 'double precision',
        'location.longitude': 'double precision',
        'location.fake_latitude': 'double precision',
        'location.fake_longitude': 'double precision',
        'date_created': 'timestamp',
        'date_updated': 'timestamp',
        'status_date': 'timestamp',
        'translations': [{'language_id': 'integer', 'title': 'varchar', 'description': 'varchar'}],
        'photos': [{'original_image': 'varchar', 'watermark_image': 'varchar'}],
        'floor': 'decimal(4, 1)',
        'total_building_floors': 'integer',
        'monthly_maintenance': 'decimal(18, 2)',
        'energy_class': 'varchar',
        'property_condition': 'varchar',
        'year_renovated': 'integer',
        'tags': ['integer']
    }) }}

),

-- What may be published (estateprime.txt:232-239): the exact address only where `display_address`
-- is explicitly true, the exact pin only where, in addition, the map shows no privacy circle. Anything
-- else gets the fake address and fake coordinates, which may be null. Not in the document: a missing
-- flag counts as false, and a hidden address hides the exact pin too.
privacy as (

    select
        *,
        coalesce(location_display_address, false)
            as is_address_public,  -- display_address (estateprime.txt:232)
        coalesce(location_display_address, false)
        and not coalesce(location_show_circle_on_map, false)
            as is_pin_public,  -- display_address, show_circle_on_map (estateprime.txt:232-233)
        -- translations (estateprime.txt:250-253): language_id 1 is English by the example
        -- (estateprime.txt:132-134); the codes (:251) are not in the document: English where sent, else
        -- the first translation, is the choice
        coalesce(
            {{ list_first(
                list_filter('translations', 'translation', cast_or_null(record_field('translation', 'language_id'), 'integer') ~ ' = 1')
            ) }},
            {{ list_first('translations') }}
        ) as chosen_translation
    from payload

),

renamed as (

    select
        ---------- ids and lineage
        'estateprime' as source,
        'estateprime' as provider,
        account_id,  -- the store id (estateprime.txt:147)
        source_listing_id,  -- id (estateprime.txt:146)
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        code as reference,  -- code, e.g. RES-00120 (estateprime.txt:148)
        cast(null as varchar) as mls_number,  -- not in the document: no MLS number

        ---------- classification: provider words, mapped by the vocabulary crosswalk downstream
        -- availability: sale, rent, auction, shortterm (estateprime.txt:151)
        availability as source_listing_type,
        -- the subcategory (estateprime.txt:150) is the finer word; not in the document: the category (:149)
        -- stands in where a version has none (:150 does not mark subcategory nullable)
        coalesce(subcategory, category) as source_property_type,
        subcategory as property_subtype,  -- estateprime.txt:150
        status as source_status,  -- estateprime.txt:161

        ---------- price: EUR (not sent). A hidden price is hidden "on portals" (estateprime.txt:209):
        -- the API still sends the asking price, which is kept and flagged (price_is_hidden)
        price as list_price,  -- estateprime.txt:152
        '{{ settings.currency }}' as currency,  -- not in the document: the configured currency, EUR
        case availability
            when 'rent' then 'month'  -- not in the document: a long-term rent is per month
            when 'shortterm' then
                -- shortterm_unit: per_day, per_week, per_month, per_season, per_year (estateprime.txt:217)
                case shortterm_unit
                    when 'per_day' then 'day'
                    when 'per_week' then 'week'
                    when 'per_month' then 'month'
                    when 'per_year' then 'year'
                end  -- not in the document: per_season has no fixed length, so no period
        end as price_period,  -- sale, auction (estateprime.txt:151): no period
        -- "whether the price is hidden on portals" (estateprime.txt:209); not in the document: a missing
        -- flag reads as false
        case when not is_removal then coalesce(has_hidden_price, false) end as price_is_hidden,

        ---------- size, already in square metres (estateprime.txt:154, :189)
        -- "the number of rooms/bedrooms" (estateprime.txt:157): bedrooms, or rooms (the rooms_count reading)
        {% if readings.rooms_count == 'bedrooms' %}rooms{% else %}cast(null as integer){% endif %} as bedrooms,
        bathrooms,  -- estateprime.txt:158
        size as living_area_sqm,  -- estateprime.txt:154
        land_size as lot_area_sqm,  -- estateprime.txt:189
        year_built,  -- estateprime.txt:159

        ---------- text: one translation, English if there is one, else the first (see the privacy CTE)
        {{ record_field('chosen_translation', 'title') }} as title,  -- estateprime.txt:252
        {{ record_field('chosen_translation', 'description') }} as description,  -- estateprime.txt:253

        ---------- location: the public address and pin only (see the privacy CTE)
        case
            when is_address_public then location_address_el  -- estateprime.txt:234
            else location_fake_address_el  -- estateprime.txt:235
        end as address_line,
        -- the municipality (area_level2, estateprime.txt:229), English name else Greek (:228); not in the
        -- document: the "Municipality of " prefix (the example's, :98) is dropped
        regexp_replace(
            coalesce(location_area_level2_name_en, location_area_level2_name_el), '^Municipality of ', ''
        ) as city,
        -- the region (area_level1), English name else Greek (estateprime.txt:228)
        coalesce(location_area_level1_name_en, location_area_level1_name_el) as region,
        location_postal_code as postal_code,  -- estateprime.txt:231
        '{{ settings.country_code }}' as country_code,  -- not in the document: the configured country, GR
        -- exact latitude and longitude (estateprime.txt:236-237), else the privacy ones (:238-239)
        case when is_pin_public then location_latitude else location_fake_latitude end as latitude,
        case when is_pin_public then location_longitude else location_fake_longitude end as longitude,
        case when not is_removal then is_pin_public end as location_is_exact,  -- estateprime.txt:233

        ---------- media: the original image, its watermarked copy where there is no original
        -- (estateprime.txt:247-249; not in the document: which of the two to prefer)
        cast(coalesce({{ list_length('photos') }}, 0) as integer) as photo_count,
        -- noqa: disable=PRS
        {{ photos_json(
            'photos',
            'photo',
            url='coalesce(' ~ record_field('photo', 'original_image') ~ ', '
                ~ record_field('photo', 'watermark_image') ~ ')'
        ) }} as photos,
        -- noqa: enable=PRS

        ---------- timestamps: naive local times of the configured timezone, to UTC
        -- "YYYY-MM-DD HH:MM:SS" (estateprime.txt:162, :165-166); not in the document: the timezone,
        -- Europe/Athens (configured)
        date_created at time zone '{{ settings.timezone }}' as source_created_at,  -- date_created (estateprime.txt:165)
        date_updated at time zone '{{ settings.timezone }}' as source_updated_at,  -- date_updated (estateprime.txt:166)
        -- "the date and time the status was last changed" (estateprime.txt:162): dates a deletion
        status_date at time zone '{{ settings.timezone }}' as source_status_changed_at,

        ---------- analyst attributes
        -- no sale is ever shown: no status means sold (draft, pending, active, inactive, archived,
        -- deleted, estateprime.txt:161), so `status_date` (:162) dates no sale, and no price is a sold price
        cast(null as decimal(18, 2)) as sold_price,
        cast(null as date) as sold_at,
        -- not in the document: no first asking price (the "Price Reduced" tag, :462, says only that
        -- the price was cut: source_tag_ids)
        cast(null as decimal(18, 2)) as provider_original_list_price,
        -- "rooms/bedrooms" (estateprime.txt:157): a total room count only under the rooms_count reading `rooms`
        {% if readings.rooms_count == 'rooms' %}cast(rooms as decimal(5, 2)){% else %}cast(null as decimal(5, 2)){% endif %} as rooms,
        energy_class as source_energy_class,  -- ap, a, bp, b, c, d, e, f, g (estateprime.txt:211)
        cast(null as varchar) as source_greenhouse_gas_class,  -- not in the document
        floor,  -- "The floor number of the property", a float (estateprime.txt:155)
        total_building_floors as building_floors,  -- estateprime.txt:178
        -- "Monthly maintenance fee" (estateprime.txt:204), in the listing's currency (not sent: EUR)
        monthly_maintenance as monthly_running_costs,
        -- assignment_fee (estateprime.txt:175-176) is the owner's fee under the mandate, fixed or a
        -- percentage, not a fee included in the price: not read
        cast(null as decimal(18, 2)) as included_fees,
        property_condition as source_condition,  -- estateprime.txt:160
        year_renovated,  -- "Year of last renovation" (estateprime.txt:188)
        -- the tag ids (estateprime.txt:244, names from /api/listings/tags, :437-465) as ',2,7,', for
        -- marts.listings' is_marked_price_reduced
        ',' || array_to_string(tags, ',') || ',' as source_tag_ids

    from privacy

)

select * from renamed
