{#- A raw dataset's committed dlt loads: one row per load that landed in full. Marts date "last
    seen" from these, since raw stores a listing again only when its payload changes. -#}
{% macro stg_dlt_loads(source_name) -%}
    select
        '{{ source_name | replace("raw_", "", 1) }}' as source,
        load_id,
        inserted_at as loaded_at
    from {{ source(source_name, '_dlt_loads') }}
    where status = 0
{%- endmacro %}
