{#- One row per agent per source: the agents the listings name (see int_listing_agent_versions for
    each provider's field and identifier), with their latest details and their listings. A table
    rebuilt in full by every build: one pass over the agents of every listing version, which a
    staging model reads from raw. -#}
with

agent_versions as (

    select * from {{ ref('int_listing_agent_versions') }}
    where agent_key is not null

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

-- The agent's details as its most recently observed listing version gives them.
latest_details as (

    select
        agent_key,
        source,
        provider,
        account_id,
        source_agent_id,
        agent_name,
        agent_email,
        agent_phone,
        office_key,
        row_number() over (
            partition by agent_key
            order by observed_at desc, listing_key desc, agent_position asc
        ) as recency
    from agent_versions

),

-- Each listing that ever named the agent: when first and last, and whether its latest version still does.
agent_listings as (

    select
        agent_versions.agent_key,
        agent_versions.listing_key,
        min(agent_versions.observed_at) as first_named_at,
        max(agent_versions.observed_at) as last_named_at,
        max(case when latest_versions.listing_key is not null then 1 else 0 end) = 1 as is_named_now
    from agent_versions
    left join latest_versions
        on latest_versions.listing_key = agent_versions.listing_key
        and latest_versions.load_id = agent_versions.load_id
    group by agent_versions.agent_key, agent_versions.listing_key

),

listing_figures as (

    select
        agent_listings.agent_key,
        count(*) as listing_count,
        count(case when agent_listings.is_named_now and listings.is_available then 1 end) as active_listing_count,
        min(agent_listings.first_named_at) as first_seen_at,
        -- a listing that still names the agent: when it was last seen; one that no longer does:
        -- when the last version naming the agent was observed
        max(case when agent_listings.is_named_now then listings.last_seen_at else agent_listings.last_named_at end)
            as last_seen_at
    from agent_listings
    left join listings
        on listings.listing_key = agent_listings.listing_key
    group by agent_listings.agent_key

),

final as (

    select
        ---------- identity
        latest_details.agent_key,
        latest_details.source,
        latest_details.provider,
        latest_details.account_id,
        latest_details.source_agent_id,

        ---------- details
        latest_details.agent_name,
        latest_details.agent_email,
        latest_details.agent_phone,
        latest_details.office_key,

        ---------- listings
        cast(listing_figures.active_listing_count as integer) as active_listing_count,
        cast(listing_figures.listing_count as integer) as listing_count,

        ---------- timeline
        listing_figures.first_seen_at,
        listing_figures.last_seen_at

    from latest_details
    inner join listing_figures using (agent_key)
    where latest_details.recency = 1

)

select * from final
