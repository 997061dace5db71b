{#- Each complete scan that missed a listing before its removal was confirmed (a source may ask
    several scans in a row to miss it, `removal_confirmations`): the scan is not a sighting, so
    last_seen_at stops before it. Read from raw directly, every source's few marker rows. -#}
{{ config(materialized='table') }}

{% for source in listing_sources() %}
select
    '{{ source }}' as source,
    '{{ source }}:' || raw_rows.account_id || ':' || raw_rows.source_listing_id as listing_key,
    raw_rows.observed_at,
    raw_rows._dlt_load_id as load_id
from ({{ committed_rows('raw_' ~ source, 'listings') }}) as raw_rows
where not raw_rows.is_removal and raw_rows.payload is null
{% if not loop.last %}union all{% endif %}
{% endfor %}
