{#- Committed loads of every source: when each source's raw data was last refreshed. -#}
{% for source in listing_sources() %}
select * from {{ ref('stg_' ~ source ~ '__loads') }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
