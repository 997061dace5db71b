{#- Every record a scan kept aside as malformed, over all sources: where it came from, the field and
    the reason, and the record whole. Committed loads only, like everything read from raw. A source
    that never quarantined anything has no quarantine table yet (dlt creates it with the first row):
    it contributes no rows. -#}
{{ config(materialized='table') }}

{% for source_name in listing_sources() %}
{%- set dataset = 'raw_' ~ source_name -%}
{%- set quarantine = source(dataset, 'listings_quarantine') -%}
{% if not loop.first %}union all{% endif %}
{% if execute and load_relation(quarantine) is none %}
select
    '{{ source_name }}' as source,
    cast(null as varchar) as account_id,
    cast(null as varchar) as source_record_id,
    cast(null as varchar) as field,
    cast(null as varchar) as reason,
    cast(null as varchar) as payload,
    cast(null as timestamp with time zone) as observed_at,
    cast(null as varchar) as load_id
where false
{% else %}
select
    '{{ source_name }}' as source,
    account_id,
    source_record_id,
    field,
    reason,
    payload,
    observed_at,
    _dlt_load_id as load_id
from ({{ committed_rows(dataset, 'listings_quarantine') }}) as quarantined
{% endif %}
{% endfor %}
