{#- Every source's listing timeline in one table. Incremental: a build appends the rows of the
    committed loads it has not seen yet, so JSON payloads are parsed once, not on every build. New
    loads are looked up first and inlined as literals: DuckDB pushes a literal list into the raw scan,
    while a subquery filter would run after every payload had been parsed. A load is matched by
    source and id, not "newer than the last one": dlt may commit an older load later when it resumes
    an interrupted package.

    Each row records the revision of the staging model that read it: a digest of that model's code,
    of its source's provider_settings and of its source's entry in the var `document_readings` (the
    readings of what a document leaves open, e.g. which Apimo `regulations` entry is the energy
    class: each staging model names its own and their defaults). When any changes, the source's loads
    read with the old revision count as unseen and are read again (delete+insert by load), so an
    upgrade that reads raw differently applies to all history without a --full-refresh. A change made only inside a macro
    does not change the digest: that one still takes a --full-refresh. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source', 'load_id'],
    on_schema_change='append_new_columns'
) }}
-- depends_on: {{ ref('int_source_loads') }}
-- SQLFluff reads the indents inside these Jinja blocks as SQL's:
-- noqa: disable=LT02
{%- set revisions = {} -%}
{%- for source in (listing_sources() if execute else []) -%}
    {%- set staging = graph.nodes.values() | selectattr('name', 'equalto', 'stg_' ~ source ~ '__listings') | first -%}
    {%- do revisions.update({source: local_md5(
        staging.raw_code ~ tojson(provider_settings(source), sort_keys=true)
        ~ tojson(var('document_readings', {}).get(source, {}), sort_keys=true)
    )}) -%}
{%- endfor -%}
{%- set current_revision -%}
    {%- if revisions -%}
    case source{% for source, revision in revisions.items() %} when '{{ source }}' then '{{ revision }}'{% endfor %} end
    {%- else -%}
    cast(null as varchar)
    {%- endif -%}
{%- endset -%}

{%- set new_loads = {} -%}
{%- if is_incremental() and execute -%}
    {%- set unseen = run_query(
        "select source, load_id from " ~ ref('int_source_loads')
        ~ " " ~ dbt.except() ~ " select distinct source, load_id from " ~ this
        ~ " where staging_revision = " ~ current_revision
    ) -%}
    {%- for row in unseen.rows -%}
        {%- do new_loads.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}
{%- endif %}
-- noqa: enable=LT02

with

{% for source in listing_sources() %}
{{ source }}_rows as (

    select * from {{ ref('stg_' ~ source ~ '__listings') }}
    {%- if is_incremental() %}
    {%- set loads = new_loads.get(source, []) %}
    where {% if loads %}load_id in ('{{ loads | join("', '") }}'){% else %}false{% endif %}
    {%- endif %}

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
    {{ current_revision }} as staging_revision
from unioned
