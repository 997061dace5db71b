{#- Warehouse SQL: casts that may fail.
    The macros in this folder hold the only DuckDB-specific SQL in the project: models and the other
    macros call them and never write DuckDB syntax themselves. A new warehouse adds
    `<adapter>__<name>` versions in this folder (adapter.dispatch picks them by the target's type);
    until it does, `default__<name>` fails the compile, naming the macro to write. -#}

{#- `expression` cast to `type` (a SQL type name, e.g. 'decimal(18, 2)'), or null where the value
    does not convert: provider fields are messy, and one bad value must not fail a build. Not named
    safe_cast, which would shadow dbt's own (a plain cast on most adapters). -#}
{% macro cast_or_null(expression, type) -%}
    {{ return(adapter.dispatch('cast_or_null', 'listings')(expression, type)) }}
{%- endmacro %}

{% macro default__cast_or_null(expression, type) -%}
    {{ warehouse_sql_not_ported('cast_or_null') }}
{%- endmacro %}

{% macro duckdb__cast_or_null(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
