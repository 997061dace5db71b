{#- Every listing version's agents and office, from every source in the provider registry: one row
    per version and agent it names (agent_position in the provider's order), or one row without an
    agent where it names none (its office kept). Keys: agent_key and office_key are
    `<source>:<account_id>:<the provider's identifier>`, the identifier an id where the provider
    has one (EstatePrime user and store ids, the Apimo user and agency ids, the ActuallyCare
    user_id) and a name where it has none (the AvaroAI coordinator, the Enclosure/Koto agent and
    broker): see each staging model. Incremental by load, each row stamped with the staging revision
    that read it (macros/incremental_loads.sql), so each payload is parsed once. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source', 'load_id'],
    on_schema_change='append_new_columns'
) }}
-- depends_on: {{ ref('int_source_loads') }}
{%- set staging = staging_models('__listing_agents') -%}
{%- set revision = staging_revision(staging) -%}
{%- set loads = unread_loads(revision) %}

with

unioned as (

    {% for source in listing_sources() %}
    select * from {{ ref(staging[source]) }}
    {{ where_unread(loads, source) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    source || ':' || account_id || ':' || source_listing_id as listing_key,
    source,
    provider,
    account_id,
    source_listing_id,
    load_id,
    observed_at,
    agent_position,
    case
        when source_agent_id is not null then source || ':' || account_id || ':' || source_agent_id
    end as agent_key,
    source_agent_id,
    agent_name,
    agent_email,
    agent_phone,
    case
        when source_office_id is not null then source || ':' || account_id || ':' || source_office_id
    end as office_key,
    source_office_id,
    office_name,
    office_email,
    office_phone,
    office_logo_url,
    {{ revision }} as staging_revision
from unioned
