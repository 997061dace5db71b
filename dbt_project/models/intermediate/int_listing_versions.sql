{#- Every source's listing timeline in one table. Incremental: a build appends the rows of the
    committed loads it has not seen yet, so JSON payloads are parsed once, not on every build. New
    loads are looked up first and inlined as literals: DuckDB pushes a literal list into the raw scan,
    while a subquery filter would run after every payload had been parsed. A load is matched by
    source and id, not "newer than the last one": dlt may commit an older load later when it resumes
    an interrupted package. -#}
{{ config(materialized='incremental', on_schema_change='fail') }}
-- depends_on: {{ ref('int_source_loads') }}

{%- set new_loads = {} -%}
{%- if is_incremental() and execute -%}
    {%- set unseen = run_query(
        "select source, load_id from " ~ ref('int_source_loads')
        ~ " " ~ dbt.except() ~ " select distinct source, load_id from " ~ this
    ) -%}
    {%- for row in unseen.rows -%}
        {%- do new_loads.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}
{%- endif %}

with

{% for source in var('listing_sources') %}
{{ source }}_rows as (

    select * from {{ ref('stg_' ~ source ~ '__listings') }}
    {%- if is_incremental() %}
    {%- set loads = new_loads.get(source, []) %}
    where {% if loads %}load_id in ('{{ loads | join("', '") }}'){% else %}false{% endif %}
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
