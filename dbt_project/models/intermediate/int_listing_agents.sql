{#- One row per listing (every listing with a version): the agent and the office its latest version
    names, for marts.listings (agent_key, office_key) and the entity marts. Where a version names
    several agents (EstatePrime `users`, estateprime.txt:246), the first in the provider's order is
    the listing's primary agent (agent_count says how many it names): the document gives the list
    no order, and its example's first user is also the one that created the listing (created_by 3,
    users [3, 8], estateprime.txt:33, :119). Null keys where the provider sends no agent or office.
    A listing whose latest row is a removal keeps its last version's.

    A table: marts.listings reads every row of it and five tests check it, and as a view each of
    them would join and rank every listing's agents again (about a second each at 1M listings). -#}
{{ config(materialized='table') }}

with

latest_versions as (

    select * from {{ ref('int_listing_latest_versions') }}

),

agent_versions as (

    select * from {{ ref('int_listing_agent_versions') }}

),

latest_agents as (

    select
        agent_versions.*,
        row_number() over (
            partition by agent_versions.listing_key
            order by agent_versions.agent_position nulls last, agent_versions.agent_key
        ) as agent_rank,
        count(agent_versions.agent_key) over (partition by agent_versions.listing_key) as agent_count
    from agent_versions
    inner join latest_versions
        on latest_versions.listing_key = agent_versions.listing_key
        and latest_versions.load_id = agent_versions.load_id

)

select
    latest_versions.listing_key,
    latest_agents.agent_key,
    latest_agents.office_key,
    cast(coalesce(latest_agents.agent_count, 0) as integer) as agent_count
from latest_versions
left join latest_agents
    on latest_agents.listing_key = latest_versions.listing_key
    and latest_agents.agent_rank = 1
