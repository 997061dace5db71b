{#- How the models that parse raw payloads through staging (int_listing_versions, and each version's
    agents and features) read each payload once.

    Such a model is incremental by load: a build appends the rows of the committed loads it has not
    read yet, delete+insert on (source, load_id). The new loads are looked up first and inlined as
    literals: DuckDB pushes a literal list into the raw scan, while a subquery filter would run after
    every payload had been parsed. A load is matched by source and id, not "newer than the last one":
    dlt may commit an older load later when it resumes an interrupted package.

    Each row records the revision of the staging model that read it (staging_revision): a digest of
    that model's code, of its source's provider_settings and of its source's entry in the var
    `document_readings` (the readings of what a document leaves open, e.g. which Apimo `regulations`
    entry is the energy class). When any changes, the source's loads read with the old revision count
    as unread and are read again, so an upgrade that reads raw differently applies to all history
    without a --full-refresh. A change made only inside a macro does not change the digest: that one
    still takes a --full-refresh. -#}

{#- {source: staging model name} for every registered source, its model named stg_<source><suffix>. -#}
{% macro staging_models(suffix) -%}
    {%- set staging = {} -%}
    {%- for source in listing_sources() -%}
        {%- do staging.update({source: 'stg_' ~ source ~ suffix}) -%}
    {%- endfor -%}
    {{ return(staging) }}
{%- endmacro %}

{#- The staging revision of each source's rows, as a SQL expression on `source`: `staging` maps a
    source to the name of the staging model the current model reads it through. -#}
{% macro staging_revision(staging) -%}
    {%- set revisions = {} -%}
    {%- for source, model_name in (staging.items() if execute else []) -%}
        {%- set node = graph.nodes.values() | selectattr('name', 'equalto', model_name) | first -%}
        {%- do revisions.update({source: local_md5(
            node.raw_code ~ tojson(provider_settings(source), sort_keys=true)
            ~ tojson(var('document_readings', {}).get(source, {}), sort_keys=true)
        )}) -%}
    {%- endfor -%}
    {%- if revisions -%}
        case source{% for source, revision in revisions.items() %} when '{{ source }}' then '{{ revision }}'{% endfor %} end
    {%- else -%}
        cast(null as varchar)
    {%- endif -%}
{%- endmacro %}

{#- The committed loads (int_source_loads) the current model has not read with `revision` (a
    staging_revision expression), as {source: [load ids]}; none outside an incremental build. A
    table built before it read by load (no staging_revision column) reads every load again. -#}
{% macro unread_loads(revision) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- set read_loads -%}
        select distinct source, load_id from {{ this }}
        {% if 'staging_revision' in columns %}where staging_revision = {{ revision }}{% else %}where false{% endif %}
    {%- endset -%}
    {{ return(loads_by_source(
        "select source, load_id from " ~ ref('int_source_loads') ~ " " ~ dbt.except() ~ " " ~ read_loads
    )) }}
{%- endmacro %}

{#- The filter on a staging model's rows of `source` in an incremental build: the loads of `loads`
    (unread_loads) for it, or none; no filter outside an incremental build. -#}
{% macro where_unread(loads, source) -%}
    {%- if is_incremental() -%}
        {%- set load_ids = loads.get(source, []) -%}
        where {% if load_ids %}load_id in ('{{ load_ids | join("', '") }}'){% else %}false{% endif %}
    {%- endif -%}
{%- endmacro %}
