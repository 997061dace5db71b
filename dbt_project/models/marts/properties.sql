{#- One row per real-world home (property): its listings across sources (marts.property_listings),
    described by one representative listing, with no price: prices stay with the listings, where
    the published marts mask hidden ones. -#}
with

property_listings as (

    select * from {{ ref('property_listings') }}

),

listings as (

    select * from {{ ref('listings') }}

),

listed as (

    select
        property_listings.property_key,
        listings.*
    from property_listings
    inner join listings using (listing_key)

),

-- the listing that describes the home: one on the market now, with an address, seen last
ranked as (

    select
        *,
        row_number() over (
            partition by property_key
            order by
                case when is_available then 0 else 1 end asc,
                case when address_line is null then 1 else 0 end asc,
                last_seen_at desc,
                md5(listing_key) asc
        ) as rank_as_representative
    from listed

),

sources as (

    select distinct
        property_key,
        source
    from listed

),

source_lists as (

    select
        property_key,
        count(*) as source_count,
        string_agg(source, ', ' order by source) as sources
    from sources
    group by property_key

),

summaries as (

    select
        property_key,
        count(*) as listing_count,
        min(coalesce(source_created_at, first_seen_at)) as first_listed_at,
        bool_or(coalesce(is_available, false)) as is_listed_now,
        avg(case when location_is_exact then latitude end) as latitude,
        avg(case when location_is_exact then longitude end) as longitude
    from listed
    group by property_key

),

final as (

    select
        ranked.property_key,
        ranked.country_code,
        ranked.address_line,
        ranked.city,
        ranked.region,
        ranked.postal_code,
        summaries.latitude,
        summaries.longitude,
        cast(summaries.listing_count as integer) as listing_count,
        cast(source_lists.source_count as integer) as source_count,
        source_lists.sources,
        summaries.first_listed_at,
        summaries.is_listed_now
    from ranked
    inner join summaries using (property_key)
    inner join source_lists using (property_key)
    where ranked.rank_as_representative = 1

)

select * from final
