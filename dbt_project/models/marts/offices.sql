{#- One row per office per source: the offices the listings name (EstatePrime stores, Apimo
    agencies, Enclosure/Koto brokers; see int_listing_agent_versions), with their latest details,
    their agents and their listings. A table rebuilt in full by every build. -#}
with

office_versions as (

    select * from {{ ref('int_listing_agent_versions') }}
    where office_key is not null

),

latest_versions as (

    select * from {{ ref('int_listing_latest_versions') }}

),

listings as (

    select
        listing_key,
        is_available,
        last_seen_at
    from {{ ref('listings') }}

),

-- The office's details as its most recently observed listing version gives them.
latest_details as (

    select
        office_key,
        source,
        provider,
        account_id,
        source_office_id,
        office_name,
        office_email,
        office_phone,
        office_logo_url,
        row_number() over (
            partition by office_key
            order by observed_at desc, listing_key desc, agent_position asc nulls last
        ) as recency
    from office_versions

),

office_listings as (

    select
        office_versions.office_key,
        office_versions.listing_key,
        min(office_versions.observed_at) as first_named_at,
        max(office_versions.observed_at) as last_named_at,
        max(case when latest_versions.listing_key is not null then 1 else 0 end) = 1 as is_named_now
    from office_versions
    left join latest_versions
        on latest_versions.listing_key = office_versions.listing_key
        and latest_versions.load_id = office_versions.load_id
    group by office_versions.office_key, office_versions.listing_key

),

listing_figures as (

    select
        office_listings.office_key,
        count(*) as listing_count,
        count(case when office_listings.is_named_now and listings.is_available then 1 end) as active_listing_count,
        min(office_listings.first_named_at) as first_seen_at,
        max(case when office_listings.is_named_now then listings.last_seen_at else office_listings.last_named_at end)
            as last_seen_at
    from office_listings
    left join listings
        on listings.listing_key = office_listings.listing_key
    group by office_listings.office_key

),

-- The agents the office's listings name in their latest versions.
current_agents as (

    select
        office_versions.office_key,
        count(distinct office_versions.agent_key) as agent_count
    from office_versions
    inner join latest_versions
        on latest_versions.listing_key = office_versions.listing_key
        and latest_versions.load_id = office_versions.load_id
    group by office_versions.office_key

),

final as (

    select
        ---------- identity
        latest_details.office_key,
        latest_details.source,
        latest_details.provider,
        latest_details.account_id,
        latest_details.source_office_id,

        ---------- details
        latest_details.office_name,
        latest_details.office_email,
        latest_details.office_phone,
        latest_details.office_logo_url,

        ---------- agents and listings
        cast(coalesce(current_agents.agent_count, 0) as integer) as agent_count,
        cast(listing_figures.active_listing_count as integer) as active_listing_count,
        cast(listing_figures.listing_count as integer) as listing_count,

        ---------- timeline
        listing_figures.first_seen_at,
        listing_figures.last_seen_at

    from latest_details
    inner join listing_figures using (office_key)
    left join current_agents using (office_key)
    where latest_details.recency = 1

)

select * from final
