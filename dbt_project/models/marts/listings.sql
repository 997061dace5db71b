{#- One row per listing: its latest version, or its last version marked removed when a complete
    scan has since stopped finding it or the provider shows it deleted. -#}
with

-- Each row dated by when its status took effect: the provider's own date of the change where it
-- sends one (source_status_changed_at) and it is not later than the load that saw it, else the load.
timeline as (

    select
        *,
        case
            when source_status_changed_at <= observed_at then source_status_changed_at
            else observed_at
        end as status_effective_at
    from {{ ref('int_listing_timeline') }}

),

loads as (

    select * from {{ ref('int_source_loads') }}

),

misses as (

    select * from {{ ref('int_listing_misses') }}

),

versions_newest_first as (

    select
        *,
        row_number() over (partition by listing_key order by sequence_number desc) as recency
    from timeline
    where not is_removal

),

latest_version as (

    select *
    from versions_newest_first
    where recency = 1

),

first_seen as (

    select
        listing_key,
        min(observed_at) as first_seen_at
    from timeline
    group by listing_key

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

-- The last committed load of the listing's source that still held it as listed: raw stores a
-- listing again only when it changes, so its own rows cannot say when it was last seen.
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

last_seen as (

    select
        last_listed_version.listing_key,
        max(loads.loaded_at) as last_seen_at
    from last_listed_version
    inner join departures using (listing_key)
    left join first_miss using (listing_key)
    inner join loads
        on loads.source = last_listed_version.source
        and loads.loaded_at >= last_listed_version.observed_at
        and (departures.removed_at is null or loads.loaded_at < departures.removed_at)
        and (first_miss.missed_at is null or loads.loaded_at < first_miss.missed_at)
    group by last_listed_version.listing_key

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
        coalesce(last_seen.last_seen_at, latest_version.observed_at) as last_seen_at,
        departures.removed_at,
        -- calendar dates crossed in the session's time zone (DuckDB's TimeZone setting: the machine's
        -- unless the profile sets it), not elapsed 24-hour periods: 23:00 to 01:00 the next day is one day
        cast(greatest(
            cast(coalesce(departures.left_market_at, last_seen.last_seen_at, latest_version.observed_at) as date)
            - cast(coalesce(latest_version.source_created_at, first_seen.first_seen_at) as date),
            0
        ) as integer) as days_on_market

    from latest_version
    inner join first_seen using (listing_key)
    inner join departures using (listing_key)
    left join last_seen using (listing_key)

)

select * from final
