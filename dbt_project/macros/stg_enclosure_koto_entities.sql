{#- Staging of the agents, brokers and open houses of the Enclosure/Koto listings API (provider
    `enclosure_koto`): one API on two hosts, landed as two raw datasets (`raw_enclosure`,
    `raw_koto`), so each pair of staging models calls one macro with its source name, as
    stg_enclosure_koto_listings does. -#}

{#- One row per listing version: its agent and its broker (enclosure_koto.txt:97-105, the example at
    :164-174). Neither has an id: the agent's name is its identifier, the broker's name the
    office's. Their email and phone are kept: the API serves them in every listing, for
    "editorial content" (enclosure_koto.txt:1), as the listing's public contacts. -#}
{% macro stg_enclosure_koto_listing_agents(source_name) -%}
with

source as (

    {{ listing_rows('raw_' ~ source_name) }}

),

versions as (

    select * from source
    where not is_removal

),

payload as (

    {{ json_columns('versions', 'payload', {
        'agent.name': 'varchar',
        'agent.email': 'varchar',
        'agent.phone': 'varchar',
        'broker.name': 'varchar',
        'broker.email': 'varchar',
        'broker.phone': 'varchar',
        'broker.logo_url': 'varchar'
    }) }}

),

renamed as (

    select
        ---------- ids and lineage
        '{{ source_name }}' as source,
        'enclosure_koto' as provider,
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id as load_id,

        ---------- the agent (enclosure_koto.txt:97-100): the name is its identifier
        cast(1 as integer) as agent_position,
        nullif(trim(agent_name), '') as source_agent_id,
        nullif(trim(agent_name), '') as agent_name,
        nullif(trim(agent_email), '') as agent_email,
        nullif(trim(agent_phone), '') as agent_phone,

        ---------- the broker, the office (enclosure_koto.txt:101-105): the name is its identifier
        nullif(trim(broker_name), '') as source_office_id,
        nullif(trim(broker_name), '') as office_name,
        nullif(trim(broker_email), '') as office_email,
        nullif(trim(broker_phone), '') as office_phone,
        nullif(trim(broker_logo_url), '') as office_logo_url

    from payload

)

select * from renamed
{%- endmacro %}


{#- One row per open-house slot of each listing version: `open_houses`, a list of {start, end},
    each a "UTC start time" and "UTC end time" (enclosure_koto.txt:106-108, the example at
    :178-181), sent "when available" (:202): a version without it has no slot. -#}
{% macro stg_enclosure_koto_open_houses(source_name) -%}
with

source as (

    {{ listing_rows('raw_' ~ source_name) }}

),

versions as (

    select * from source
    where not is_removal

),

slots as (

    {{ json_array_rows(
        'versions',
        ['account_id', 'source_listing_id', 'observed_at', '_dlt_load_id'],
        'payload', 'open_houses', {'start': 'timestamptz', 'end': 'timestamptz'}, 'open_house'
    ) }}

),

renamed as (

    select
        ---------- ids and lineage
        '{{ source_name }}' as source,
        'enclosure_koto' as provider,
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id as load_id,

        ---------- the slot, in UTC (enclosure_koto.txt:107-108)
        open_house_position,
        open_house_start as starts_at,
        open_house_end as ends_at

    from slots

)

select * from renamed
{%- endmacro %}

{#- Enclosure and Koto send open houses: their models of them, found by these macros' names
    (stg_<source>_open_houses) by marts.listing_open_houses, which names no provider. -#}
{% macro stg_enclosure_open_houses() -%}
    {{ return(ref('stg_enclosure__open_houses')) }}
{%- endmacro %}

{% macro stg_koto_open_houses() -%}
    {{ return(ref('stg_koto__open_houses')) }}
{%- endmacro %}
