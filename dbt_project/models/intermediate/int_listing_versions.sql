{#- Every source's listing timeline in one table. Incremental: a build appends the rows of loads it
    has not seen yet, so JSON payloads are parsed once, not on every build. A load is matched by
    source and load id rather than by "newer than the last one": dlt may commit an older load later
    when it resumes an interrupted package. -#}
{{ config(materialized='incremental', on_schema_change='fail') }}

with

{% for source in var('listing_sources') %}
{{ source }}_rows as (

    select * from {{ ref('stg_' ~ source ~ '__listings') }}
    {%- if is_incremental() %}
    where load_id not in (select load_id from {{ this }} where source = '{{ source }}')
    {%- endif %}

),

{% endfor %}
unioned as (

    {% for source in var('listing_sources') %}
    select * from {{ source }}_rows
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    source || ':' || account_id || ':' || source_listing_id as listing_key,
    *
from unioned
