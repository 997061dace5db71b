{#- Every source's listing timeline in one table. Incremental by load, each row stamped with the
    staging revision that read it: see macros/incremental_loads.sql. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source', 'load_id'],
    on_schema_change='append_new_columns'
) }}
-- depends_on: {{ ref('int_source_loads') }}
{%- set staging = staging_models('__listings') -%}
{%- set revision = staging_revision(staging) -%}
{%- set loads = unread_loads(revision) %}

with

{% for source in listing_sources() %}
{{ source }}_rows as (

    select * from {{ ref(staging[source]) }}
    {{ where_unread(loads, source) }}

),

{% endfor %}
unioned as (

    {% for source in listing_sources() %}
    select * from {{ source }}_rows
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    source || ':' || account_id || ':' || source_listing_id as listing_key,
    *,
    {{ revision }} as staging_revision
from unioned
