{#- Every listing version's features as its provider names them, from the sources whose documents
    give features (AvaroAI `parking`; EstatePrime `features`, `view`, `garden`, `parking_garage`
    and `parking_total`; Apimo `services` and `areas`; see each staging model). Enclosure/Koto and
    ActuallyCare send no features. A source's staging model of features is declared by a macro
    stg_<source>_listing_features (macros/, named after its source). Incremental by load, each row
    stamped with the staging revision that read it (macros/incremental_loads.sql), so each payload
    is parsed once; int_listing_feature_versions maps them to unified features. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source', 'load_id'],
    on_schema_change='append_new_columns'
) }}
-- depends_on: {{ ref('int_source_loads') }}
{%- set staging = {} -%}
{%- for source in listing_sources() if context.get('stg_' ~ source ~ '_listing_features') -%}
    {%- do staging.update({source: context.get('stg_' ~ source ~ '_listing_features')()}) -%}
{%- endfor -%}
{%- set revision = staging_revision(staging) -%}
{%- set loads = unread_loads(revision) %}

with

unioned as (

    {% for source, model_name in staging.items() %}
    select * from {{ ref(model_name) }}
    {{ where_unread(loads, source) }}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as varchar) as source,
        cast(null as varchar) as provider,
        cast(null as varchar) as account_id,
        cast(null as varchar) as source_listing_id,
        cast(null as timestamp with time zone) as observed_at,
        cast(null as varchar) as load_id,
        cast(null as varchar) as source_field,
        cast(null as varchar) as source_feature
    where false
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
    source_field,
    source_feature,
    {{ revision }} as staging_revision
from unioned
