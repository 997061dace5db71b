{#- One row per listing: its latest version, or its last version marked removed when a complete
    scan has since stopped finding it or the provider shows it deleted.

    What the listing's own rows decide comes from int_listing_states, which rebuilds only the
    listings that changed. What moves with its source's loads is decided here, from one row per
    source: a listing still listed was last seen by its source's latest committed load (raw stores
    nothing new for an unchanged listing), and while it is on the market its days on market run to
    then. A table rebuilt in full by every build: one pass over the states, no history.

    A provider that marks a price cut (by a tag on the listing, say) declares which of its listings
    are marked by a macro stg_<source>_price_reduced_listings (macros/, named after its source),
    found here by that name; a listing without tags has no mark either way (null). -#}
-- SQLFluff reads the indents inside these Jinja blocks as SQL's:
-- noqa: disable=LT02
{%- set price_cut_readings = [] -%}
{%- for source in listing_sources() if context.get('stg_' ~ source ~ '_price_reduced_listings') -%}
    {%- do price_cut_readings.append(context.get('stg_' ~ source ~ '_price_reduced_listings')('states')) -%}
{%- endfor %}
-- noqa: enable=LT02
with

latest_loads as (

    select
        source,
        max(loaded_at) as loaded_at
    from {{ ref('int_source_loads') }}
    group by source

),

-- Each listing's state, with the last committed load of its source that still held it as listed:
-- its source's latest, unless a removal or a scan that missed it closed the window (seen_until)
-- first. A column beside the state's (one source's row joined to each listing), not a CTE joined
-- back on listing_key: that join hashed every listing's whole row (a 10%-changed day's build at 1M
-- listings once ran out of its memory limit in this model).
states as (

    select
        listing_states.*,
        case
            when listing_states.last_listed_at is null then null
            when listing_states.seen_until is not null then listing_states.last_seen_before_departure_at
            when latest_loads.loaded_at >= listing_states.last_listed_at then latest_loads.loaded_at
        end as last_seen_by_load_at
    from {{ ref('int_listing_states') }} as listing_states
    left join latest_loads
        on latest_loads.source = listing_states.source

),

-- The listings their provider marks as price-reduced, as each provider that does reads it.
price_reduced_listings as (

    {% for reading in price_cut_readings -%}
    {{ reading }}
    union all
    {% endfor -%}
    select cast(null as varchar) as listing_key
    where false

),

-- Each listing's current price in the reporting currency, as its price history converts it: at
-- the rate of the current price period's start date.
current_reporting_prices as (

    select
        listing_key,
        list_price_reporting
    from {{ ref('listing_price_history', v=2) }}
    where is_current

),

final as (

    select
        ---------- identity
        states.listing_key,
        states.source,
        states.provider,
        states.account_id,
        states.source_listing_id,
        states.reference,
        states.mls_number,

        ---------- classification
        states.listing_type,
        states.property_type,
        states.property_subtype,
        states.status,
        states.is_available,

        ---------- price
        states.list_price,
        states.currency,
        states.price_period,
        states.price_is_hidden,

        ---------- size
        states.bedrooms,
        states.bathrooms,
        states.living_area_sqm,
        states.lot_area_sqm,
        states.year_built,

        ---------- text
        states.title,
        states.description,

        ---------- location
        states.address_line,
        states.city,
        states.region,
        states.postal_code,
        states.country_code,
        states.latitude,
        states.longitude,
        states.location_is_exact,

        ---------- media
        states.photo_count,

        ---------- timeline
        states.source_created_at,
        states.source_updated_at,
        states.first_seen_at,
        coalesce(states.last_seen_by_load_at, states.latest_version_observed_at) as last_seen_at,
        states.removed_at,
        -- calendar dates crossed in the session's time zone (DuckDB's TimeZone setting: the machine's
        -- unless the profile sets it), not elapsed 24-hour periods: 23:00 to 01:00 the next day is one day
        cast(greatest(
            cast(
                coalesce(states.left_market_at, states.last_seen_by_load_at, states.latest_version_observed_at) as date
            )
            - cast(coalesce(states.source_created_at, states.first_seen_at) as date),
            0
        ) as integer) as days_on_market,

        ---------- analyst attributes (null where the provider does not send them)
        states.sold_price,
        states.sold_at,
        states.original_list_price,
        states.original_list_price_source,
        -- null where the provider sends no tags
        case
            when states.source_tag_ids is not null then price_reduced_listings.listing_key is not null
        end as is_marked_price_reduced,
        states.rooms,
        states.energy_class,
        states.energy_class_source_value,
        states.greenhouse_gas_class,
        states.greenhouse_gas_class_source_value,
        states.floor,
        states.building_floors,
        states.monthly_running_costs,
        states.agency_fees,
        states.condition,
        states.condition_source_value,
        states.year_renovated,

        ---------- who lists it (marts.agents, marts.offices)
        listing_agents.agent_key,
        listing_agents.office_key,

        ---------- the price in the reporting currency
        cast('{{ reporting_currency() }}' as varchar) as reporting_currency,
        current_reporting_prices.list_price_reporting

    from states
    left join {{ ref('int_listing_agents') }} as listing_agents using (listing_key)
    left join current_reporting_prices using (listing_key)
    left join price_reduced_listings using (listing_key)

)

select * from final
