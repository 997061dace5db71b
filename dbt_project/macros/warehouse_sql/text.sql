{#- Warehouse SQL: text.
    The macros in this folder hold the only DuckDB-specific SQL in the project: models and the other
    macros call them and never write DuckDB syntax themselves. A new warehouse adds
    `<adapter>__<name>` versions in this folder (adapter.dispatch picks them by the target's type);
    until it does, `default__<name>` fails the compile, naming the macro to write. -#}

{#- The `position`-th piece (from 1) of `text` cut at each `delimiter` (a plain string, not SQL):
    '' past the last piece, null for null text. Not named split_part, which would shadow dbt's own
    (whose DuckDB version returns null past the last piece). -#}
{% macro delimited_part(text, delimiter, position) -%}
    {{ return(adapter.dispatch('delimited_part', 'listings')(text, delimiter, position)) }}
{%- endmacro %}

{% macro default__delimited_part(text, delimiter, position) -%}
    {{ warehouse_sql_not_ported('delimited_part') }}
{%- endmacro %}

{% macro duckdb__delimited_part(text, delimiter, position) -%}
    split_part({{ text }}, '{{ delimiter }}', {{ position }})
{%- endmacro %}
