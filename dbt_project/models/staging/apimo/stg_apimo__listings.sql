{%- set settings = provider_settings('apimo') -%}
{#- Readings of what apimo.txt leaves open, each a setting (the var `document_readings`, key `apimo`;
    a changed reading is read into all history by the next build, see int_listing_versions): which
    `regulations` entry (apimo.txt:187, "Array", no entries described) holds the energy class and
    which the greenhouse-gas class. Not in the document: its `type` codes; 1 and 2 as the sandbox
    reads them (the example's types 4 and 7, apimo.txt:240, with value "1", are neither). -#}
{%- set readings = {'energy_class_regulation_type': '1', 'greenhouse_gas_class_regulation_type': '2'} -%}
{%- do readings.update(var('document_readings', {}).get('apimo', {})) -%}

with

source as (

    {{ listing_rows('raw_apimo') }}

),

-- Every payload field the model reads, typed, in one parse of the payload (see json_columns); a
-- value of the wrong type reads as null, never an error. The fields: apimo.txt:43-190 (public mode).
payload as (

    {{ json_columns('source', 'payload', {
        'reference': 'varchar',
        'category': 'varchar',
        'type': 'varchar',
        'subtype': 'varchar',
        'step': 'varchar',
        'price.value': 'decimal(18, 2)',
        'price.currency': 'varchar',
        'price.period': 'integer',
        'price.hide': 'boolean',
        'bedrooms': 'integer',
        'area.unit': 'integer',
        'area.value': 'double precision',
        'address': 'varchar',
        'publish_address': 'integer',
        'city.name': 'varchar',
        'region.name': 'varchar',
        'city.zipcode': 'varchar',
        'country': 'varchar',
        'latitude': 'double precision',
        'longitude': 'double precision',
        'created_at': 'timestamp',
        'updated_at': 'timestamp',
        'comments': [{'language': 'varchar', 'title': 'varchar', 'comment': 'varchar', 'comment_full': 'varchar'}],
        'pictures': [{'rank': 'integer', 'url': 'varchar', 'width_max': 'integer', 'height_max': 'integer'}],
        'areas': [{'type': 'varchar', 'number': 'varchar'}],
        'price.sold': 'decimal(18, 2)',
        'price.sold_at': 'date',
        'price.first_value': 'decimal(18, 2)',
        'price.fees': 'decimal(18, 2)',
        'rooms': 'decimal(5, 2)',
        'floor.value': 'varchar',
        'floor.floors': 'integer',
        'condition': 'varchar',
        'regulations': [{'type': 'varchar', 'value': 'varchar'}]
    }) }}

),

-- The flags and the area the columns below depend on, and the comment title and description come
-- from: the English one when there is one, else the first. Not in the document: which language to
-- pick, and the form of `language` (apimo.txt:171); 'en' follows the user's ISO 639-1 code (:55)
-- and the example's "fr" (:240).
parsed as (

    select
        *,
        -- "If you can publish the address details" (apimo.txt:83); 1 is yes, as radius reads it (:99)
        publish_address = 1 as address_is_public,
        -- not in the document: type code 3 is land (apimo.txt:70 enumerates no codes)
        coalesce({{ cast_or_null('type', 'integer') }} = 3, false) as is_land,
        -- area.value (apimo.txt:102) in square metres: area.unit (apimo.txt:101) 1 is m², 2 is sq ft
        -- (see the size columns); another unit gives no area rather than a wrong one
        area_value * case area_unit when 1 then 1.0 when 2 then 0.09290304 end as area_sqm,
        -- the `regulations` entries (apimo.txt:187) that carry the energy and greenhouse-gas classes
        {{ list_first(list_filter(
            'regulations', 'regulation',
            record_field('regulation', 'type') ~ " = '" ~ readings.energy_class_regulation_type ~ "'"
        )) }} as energy_regulation,
        {{ list_first(list_filter(
            'regulations', 'regulation',
            record_field('regulation', 'type') ~ " = '" ~ readings.greenhouse_gas_class_regulation_type ~ "'"
        )) }} as greenhouse_gas_regulation,
        -- comments (apimo.txt:170-176)
        coalesce(
            {{ list_first(list_filter('comments', 'comment', record_field('comment', 'language') ~ " = 'en'")) }},
            {{ list_first('comments') }}
        ) as chosen_comment
    from payload

),

renamed as (

    select
        ---------- ids and lineage
        'apimo' as source,
        'apimo' as provider,
        account_id,  -- the agency id (apimo.txt:31, :46)
        source_listing_id,  -- id (apimo.txt:44)
        is_removal,
        observed_at,
        _dlt_load_id as load_id,
        payload_hash,
        reference,  -- apimo.txt:45
        cast(null as varchar) as mls_number,  -- not in the document: no MLS number

        ---------- classification: numeric codes as text, mapped and labelled by the crosswalk downstream
        -- "Category of the property (sale, rental, ...)" (apimo.txt:67); the codes are not in the document
        category as source_listing_type,
        -- `type` (apimo.txt:70, "apartment, house, ...") classifies every property; `subtype`
        -- (apimo.txt:71, "studio, penthouse, villa, ...") refines it where the crosswalk knows the code
        type as source_property_type,
        subtype as property_subtype,
        -- `step` is the main status (apimo.txt:64) and sent in every mode; `status`, its subcategory,
        -- only in private mode (apimo.txt:194), and says nothing the unified status could use
        step as source_status,

        ---------- price: `hide` (apimo.txt:114) hides it from the public; the amount sent is kept, and flagged
        price_value as list_price,  -- apimo.txt:109
        -- ISO 4217 (apimo.txt:117); not in the document: without one, the configured currency, EUR
        coalesce(price_currency, '{{ settings.currency }}') as currency,
        -- "Rent frequency" (apimo.txt:113); not in the document: its codes, 1 monthly and 2 weekly;
        -- any other code, or none, gives no period
        case price_period
            when 1 then 'month'
            when 2 then 'week'
        end as price_period,
        price_hide as price_is_hidden,  -- apimo.txt:114

        ---------- size: area unit 1 is m², 2 is sq ft; another unit gives no area rather than a wrong one
        -- `unit` is an id with no table (apimo.txt:101): 1 is m² by the example (:240, 52.12 described as
        -- "52m²"); not in the document: 2 is sq ft
        bedrooms,  -- apimo.txt:106
        -- the count (`number`) of the `areas` (apimo.txt:177-186) of type 8 (apimo.txt:178-179); not in
        -- the document: the type codes, 8 read as bathroom
        cast(
            {{ list_sum(list_transform(
                list_filter('areas', 'room', record_field('room', 'type') ~ " = '8'"),
                'room', cast_or_null(record_field('room', 'number'), 'integer')
            )) }} as decimal(5, 2)
        ) as bathrooms,
        -- area.value (apimo.txt:102); not in the document: it is the lot for land (type 3), else the
        -- living area; area.total (apimo.txt:103) is not read
        case when not is_land then area_sqm end as living_area_sqm,
        case when is_land then area_sqm end as lot_area_sqm,
        cast(null as integer) as year_built,  -- not in the document: no year built

        ---------- text: English when the agency wrote it, else the first language
        nullif({{ record_field('chosen_comment', 'title') }}, '') as title,  -- apimo.txt:172
        -- comment_full, "Full comment (can be empty)", else comment, "Comment (can be full)" (apimo.txt:175-176)
        coalesce(
            nullif({{ record_field('chosen_comment', 'comment_full') }}, ''),
            {{ record_field('chosen_comment', 'comment') }}
        ) as description,

        ---------- location: without publish_address, no street line and coordinates on a ~1 km grid
        -- address (apimo.txt:81) only where it may be published (:83)
        case when address_is_public then address end as address_line,
        city_name as city,  -- apimo.txt:90
        region_name as region,  -- apimo.txt:87
        city_zipcode as postal_code,  -- apimo.txt:91
        -- ISO 3166-1 alpha-2 (apimo.txt:84); not in the document: without one, the configured country, FR
        coalesce(country, '{{ settings.country_code }}') as country_code,
        -- latitude, longitude (apimo.txt:97-98), blurred by a radius unless published (:99); not in the
        -- document: an unpublished pin is rounded to 2 decimals
        case when address_is_public then latitude else {{ round_double('latitude', 2) }} end as latitude,
        case when address_is_public then longitude else {{ round_double('longitude', 2) }} end as longitude,
        address_is_public as location_is_exact,  -- apimo.txt:83, :99

        ---------- media: pictures by rank (picture records sort by their first field)
        -- pictures (apimo.txt:160-166): rank, url, width_max, height_max (apimo.txt:162-165)
        cast(coalesce({{ list_length('pictures') }}, 0) as integer) as photo_count,
        -- noqa: disable=PRS
        {{ photos_json(
            list_sort('pictures', by=['rank', 'url', 'width_max', 'height_max']),
            'picture',
            url=record_field('picture', 'url'),
            width=record_field('picture', 'width_max'),
            height=record_field('picture', 'height_max')
        ) }} as photos,
        -- noqa: enable=PRS

        ---------- timestamps: naive local time of the agency, converted with the configured timezone
        -- "Date/time" (apimo.txt:189-190), sent as "2016-04-12 22:30:45" (:240); not in the document: the
        -- timezone, Europe/Paris (the example's Date header is +0200, :234)
        created_at at time zone '{{ settings.timezone }}' as source_created_at,  -- created_at (apimo.txt:189)
        updated_at at time zone '{{ settings.timezone }}' as source_updated_at,  -- updated_at (apimo.txt:190)
        -- not in the document: a date of the last status change; null (private-mode `logs`, apimo.txt:207-210,
        -- are not read)
        cast(null as timestamp with time zone) as source_status_changed_at,

        ---------- analyst attributes
        -- "The final price in case of sale", "The date of contract in case of sale" (apimo.txt:124-125)
        price_sold as sold_price,
        price_sold_at as sold_at,
        -- `price.first_value`: in the example (apimo.txt:240: 670 under a price of 750), not in the
        -- field list; read as the agency's first asking price
        price_first_value as provider_original_list_price,
        rooms,  -- "Number of rooms (can be decimal for some countries)" (apimo.txt:105): pièces
        {{ record_field('energy_regulation', 'value') }} as source_energy_class,
        {{ record_field('greenhouse_gas_regulation', 'value') }} as source_greenhouse_gas_class,
        -- "0 for ground, 1 for first floor, ..., last for last floor" (apimo.txt:140): the word `last`
        -- is the top floor, numbered as the building's floor count (:142; not in the document)
        cast(case
            when lower(trim(floor_value)) = 'last' then floor_floors
            else {{ cast_or_null('floor_value', 'decimal(4, 1)') }}
        end as decimal(4, 1)) as floor,
        floor_floors as building_floors,  -- "Floors number of the building" (apimo.txt:142)
        -- no field states a periodic cost: price.fees (below) is, for a rent, part of it
        cast(null as decimal(18, 2)) as monthly_running_costs,
        -- "Fees included" (apimo.txt:111): included in price.value; what they are depends on the
        -- listing type, decided downstream (int_listing_timeline): a rent's charges, a sale's agency fees
        price_fees as included_fees,
        condition as source_condition,  -- apimo.txt:145, a code; the document names no codes
        cast(null as integer) as year_renovated,  -- not in the document
        cast(null as varchar) as source_tag_ids  -- `tags` (apimo.txt:157) are codes with no names

    from parsed

)

select * from renamed
