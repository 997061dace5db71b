{#- One row per listing: everything marts.listings says of it that its own rows decide (its latest
    version, or its last version marked removed when a complete scan has since stopped finding it or
    the provider shows it deleted), and what last_seen_at needs from its source's loads.

    last_seen_at is the last committed load of the listing's source that still held it listed, and
    raw stores nothing new for an unchanged listing, so for a listing still listed it moves with
    every load of its source. It is not kept here, or every listing would change every day: a listed
    listing's is its source's latest load, taken by marts.listings at the end (seen_until null). Once
    a removal or a scan that missed it closes the window (seen_until), its last sighting is fixed
    (last_seen_before_departure_at): a load committed later is later than that removal or miss.

    Incremental (delete+insert on listing_key): a build redoes each listing whose timeline rows or
    missed scans were written since its last build (macros/incremental_listings.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    on_schema_change='append_new_columns',
    post_hook="{{ record_incremental_build(stamped=[ref('int_listing_timeline'), ref('int_listing_misses')]) }}"
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
{%- set window = incremental_window(stamped=[ref('int_listing_timeline'), ref('int_listing_misses')]) %}

with

{% if window.since is not none -%}
changed_listings as (

    select listing_key from {{ ref('int_listing_timeline') }}
    where {{ stamped_in(window) }}
    union
    select listing_key from {{ ref('int_listing_misses') }}
    where {{ stamped_in(window) }}

),

{% endif -%}
-- Each row dated by when its status took effect: the provider's own date of the change where it
-- sends one (source_status_changed_at) and it is not later than the load that saw it, else the load.
-- Only the columns the aggregates below read: DuckDB keeps a CTE read several times whole, and the
-- wide ones (description, photos) are read once, for each listing's latest version.
timeline as (

    select
        listing_key,
        source,
        sequence_number,
        is_removal,
        status,
        observed_at,
        list_price,
        case
            when source_status_changed_at <= observed_at then source_status_changed_at
            else observed_at
        end as status_effective_at
    from {{ ref('int_listing_timeline') }}
    where {{ is_changed_listing(window) }}

),

loads as (

    select * from {{ ref('int_source_loads') }}

),

misses as (

    select * from {{ ref('int_listing_misses') }}

),

-- the key of each listing's latest version: the version's row itself is joined last (final), so
-- that its wide columns (description, photos) pass through no window nor hash table
latest_sequence as (

    select
        listing_key,
        max(sequence_number) as sequence_number
    from timeline
    where not is_removal
    group by listing_key

),

first_seen as (

    select
        listing_key,
        min(observed_at) as first_seen_at
    from timeline
    group by listing_key

),

-- The first asking price the pipeline saw: the price of the listing's earliest version that had one.
priced_versions as (

    select
        listing_key,
        list_price,
        row_number() over (partition by listing_key order by sequence_number) as price_order
    from timeline
    where not is_removal and list_price is not null

),

first_prices as (

    select
        listing_key,
        list_price as first_seen_list_price
    from priced_versions
    where price_order = 1

),

-- Where each listing's trailing runs begin: after its last active or pending row it is off the
-- market, after its last row not `removed` it is removed (a removal row: a complete scan missed it;
-- or a version the provider itself marks deleted, mapped to removed). Each run's first row dates
-- it; neither exists while the listing's latest row is on the market.
trailing_runs as (

    select
        listing_key,
        coalesce(max(case when status in ('active', 'pending') then sequence_number end), 0) as last_on_market,
        coalesce(max(case when status <> 'removed' then sequence_number end), 0) as last_not_removed
    from timeline
    group by listing_key

),

departures as (

    select
        timeline.listing_key,
        min(case when timeline.sequence_number > trailing_runs.last_on_market then timeline.status_effective_at end)
            as left_market_at,
        min(case when timeline.sequence_number > trailing_runs.last_not_removed then timeline.status_effective_at end)
            as removed_at
    from timeline
    inner join trailing_runs using (listing_key)
    group by timeline.listing_key

),

-- The listing's last version that showed it listed: it was seen by every committed load of its
-- source from then on, until a removal or a miss.
last_listed_version as (

    select
        listing_key,
        source,
        max(observed_at) as observed_at
    from timeline
    where not is_removal and status <> 'removed'
    group by listing_key, source

),

-- A complete scan that missed the listing after its last listed version did not see it, though its
-- removal awaits confirmation by the next scan (removal_confirmations): the listing was last seen before it.
first_miss as (

    select
        last_listed_version.listing_key,
        min(misses.observed_at) as missed_at
    from last_listed_version
    inner join misses
        on misses.listing_key = last_listed_version.listing_key
        and misses.observed_at > last_listed_version.observed_at
    group by last_listed_version.listing_key

),

-- Where the listing's sighting window closed: its removal or the first scan that missed it; null
-- while neither happened (then its source's latest load saw it).
seen_windows as (

    select
        last_listed_version.listing_key,
        last_listed_version.source,
        last_listed_version.observed_at as last_listed_at,
        case
            when departures.removed_at is null then first_miss.missed_at
            when first_miss.missed_at is null then departures.removed_at
            else least(departures.removed_at, first_miss.missed_at)
        end as seen_until
    from last_listed_version
    inner join departures using (listing_key)
    left join first_miss using (listing_key)

),

closed_last_seen as (

    select
        seen_windows.listing_key,
        max(loads.loaded_at) as last_seen_at
    from seen_windows
    inner join loads
        on loads.source = seen_windows.source
        and loads.loaded_at >= seen_windows.last_listed_at
        and loads.loaded_at < seen_windows.seen_until
    where seen_windows.seen_until is not null
    group by seen_windows.listing_key

),

final as (

    select
        ---------- identity
        latest_version.listing_key,
        latest_version.source,
        latest_version.provider,
        latest_version.account_id,
        latest_version.source_listing_id,
        latest_version.reference,
        latest_version.mls_number,

        ---------- classification
        latest_version.listing_type,
        latest_version.property_type,
        latest_version.property_subtype,
        case when departures.removed_at is null then latest_version.status else 'removed' end as status,
        departures.removed_at is null and latest_version.status = 'active' as is_available,

        ---------- price
        latest_version.list_price,
        latest_version.currency,
        latest_version.price_period,
        latest_version.price_is_hidden,

        ---------- size
        latest_version.bedrooms,
        latest_version.bathrooms,
        latest_version.living_area_sqm,
        latest_version.lot_area_sqm,
        latest_version.year_built,

        ---------- text
        latest_version.title,
        latest_version.description,

        ---------- location
        latest_version.address_line,
        latest_version.city,
        latest_version.region,
        latest_version.postal_code,
        latest_version.country_code,
        latest_version.latitude,
        latest_version.longitude,
        latest_version.location_is_exact,

        ---------- media
        latest_version.photo_count,

        ---------- timeline
        latest_version.source_created_at,
        latest_version.source_updated_at,
        first_seen.first_seen_at,
        departures.removed_at,
        departures.left_market_at,
        latest_version.observed_at as latest_version_observed_at,

        ---------- the sighting window, for last_seen_at (marts.listings)
        seen_windows.last_listed_at,
        seen_windows.seen_until,
        closed_last_seen.last_seen_at as last_seen_before_departure_at,

        ---------- what built the row
        {{ build_stamp() }} as rebuilt_at,

        ---------- analyst attributes, as the latest version sends them
        latest_version.sold_price,
        latest_version.sold_at,
        -- the provider's own first price where it sends one, else the first the pipeline saw (typed
        -- here: PostgreSQL drops a numeric's precision and scale through coalesce)
        cast(
            coalesce(latest_version.provider_original_list_price, first_prices.first_seen_list_price)
            as decimal(18, 2)
        ) as original_list_price,
        case
            when latest_version.provider_original_list_price is not null then 'provider'
            when first_prices.first_seen_list_price is not null then 'first_seen'
        end as original_list_price_source,
        latest_version.rooms,
        latest_version.energy_class,
        latest_version.energy_class_source_value,
        latest_version.greenhouse_gas_class,
        latest_version.greenhouse_gas_class_source_value,
        latest_version.floor,
        latest_version.building_floors,
        latest_version.monthly_running_costs,
        latest_version.agency_fees,
        latest_version.condition,
        latest_version.condition_source_value,
        latest_version.year_renovated,
        latest_version.source_tag_ids

    from {{ ref('int_listing_timeline') }} as latest_version
    inner join latest_sequence
        on latest_sequence.listing_key = latest_version.listing_key
        and latest_sequence.sequence_number = latest_version.sequence_number
    inner join first_seen on first_seen.listing_key = latest_version.listing_key
    inner join departures on departures.listing_key = latest_version.listing_key
    left join seen_windows on seen_windows.listing_key = latest_version.listing_key
    left join closed_last_seen on closed_last_seen.listing_key = latest_version.listing_key
    left join first_prices on first_prices.listing_key = latest_version.listing_key

)

select * from final
