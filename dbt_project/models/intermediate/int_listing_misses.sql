{#- Each complete scan that missed a listing before its removal was confirmed (a source may ask
    several scans in a row to miss it, `removal_confirmations`): the scan is not a sighting, so
    last_seen_at stops before it. Read from raw directly, every source's few marker rows.

    Incremental as int_listing_versions: a build reads the committed loads it has not seen yet,
    inlined as literals so that the raw scan reads only those. A load that missed nothing leaves no
    row here and is looked at again by the next build: a scan of its few rows. Each row carries the
    build that wrote it (rebuilt_at), by which int_listing_states finds the listings it must redo. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source', 'load_id'],
    on_schema_change='append_new_columns'
) }}
-- depends_on: {{ ref('int_source_loads') }}

{%- set new_loads = {} -%}
{%- if is_incremental() and execute -%}
    {%- set new_loads = loads_by_source(
        "select source, load_id from " ~ ref('int_source_loads')
        ~ " " ~ dbt.except() ~ " select distinct source, load_id from " ~ this
    ) -%}
{%- endif %}

{% for source in listing_sources() %}
{%- set loads = new_loads.get(source, []) %}
{%- set in_new_loads -%}
    {% if loads %}raw_rows._dlt_load_id in ('{{ loads | join("', '") }}'){% else %}false{% endif %}
{%- endset %}
select
    '{{ source }}' as source,
    '{{ source }}:' || raw_rows.account_id || ':' || raw_rows.source_listing_id as listing_key,
    raw_rows.observed_at,
    raw_rows._dlt_load_id as load_id,
    {{ build_stamp() }} as rebuilt_at
from ({{ committed_rows('raw_' ~ source, 'listings') }}) as raw_rows
where not raw_rows.is_removal and raw_rows.payload is null and {{ in_new_loads if is_incremental() else 'true' }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
