{#- Warehouse SQL: casts that may fail (why this is dispatched: README.md in this folder). -#}

{#- `expression` cast to `type` (a SQL type name, e.g. 'decimal(18, 2)'), or null where the value
    does not convert: provider fields are messy, and one bad value must not fail a build. Models
    call it only where they derive a value from a field (a part of a string, a field of a list
    element); a payload's own fields arrive typed from json_columns, which casts them this way.
    Not named safe_cast, which would shadow dbt's own (a plain cast on most adapters). -#}
{% macro cast_or_null(expression, type) -%}
    {{ return(adapter.dispatch('cast_or_null', 'listings')(expression, type)) }}
{%- endmacro %}

{% macro default__cast_or_null(expression, type) -%}
    {{ warehouse_sql_not_ported('cast_or_null') }}
{%- endmacro %}

{% macro duckdb__cast_or_null(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
