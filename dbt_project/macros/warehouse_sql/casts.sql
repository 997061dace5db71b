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

{#- PostgreSQL: no try_cast, and pg_input_is_valid only from version 16; so a function per type
    (warehouse_functions.sql) tries the cast and answers null where it fails, as DuckDB's try_cast
    does: an integer accepts '1.5' (2) and '1e3' (1000); a decimal(p, s) too large for p is null. -#}
{% macro postgres__cast_or_null(expression, type) -%}
    {%- set kind = type | lower | replace(' ', '') -%}
    {%- set value = 'cast(' ~ expression ~ ' as text)' -%}
    {%- if kind in ['varchar', 'text'] -%}
        {{ value }}
    {%- elif kind.startswith('decimal(') or kind.startswith('numeric(') -%}
        {%- set precision, scale = kind.split('(')[1].rstrip(')').split(',') -%}
        cast({{ target.schema }}.listings_try_decimal({{ value }}, {{ precision }}, {{ scale }}) as {{ type }})
    {%- else -%}
        {%- set functions = {
            'integer': 'listings_try_integer', 'bigint': 'listings_try_bigint',
            'doubleprecision': 'listings_try_double', 'boolean': 'listings_try_boolean',
            'date': 'listings_try_date', 'timestamp': 'listings_try_timestamp',
            'timestamptz': 'listings_try_timestamptz', 'timestampwithtimezone': 'listings_try_timestamptz'
        } -%}
        {%- if kind not in functions -%}
            {{ exceptions.raise_compiler_error("cast_or_null: no PostgreSQL try-cast function for type '" ~ type ~ "'") }}
        {%- endif -%}
        {{ target.schema }}.{{ functions[kind] }}({{ value }})
    {%- endif -%}
{%- endmacro %}

{#- A double rounded to `digits` decimals, as a double. PostgreSQL has round(x, digits) for numeric
    only: the double goes through numeric (its shortest decimal spelling) and back. -#}
{% macro round_double(expression, digits) -%}
    {{ return(adapter.dispatch('round_double', 'listings')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_double(expression, digits) -%}
    {{ warehouse_sql_not_ported('round_double') }}
{%- endmacro %}

{% macro duckdb__round_double(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{% macro postgres__round_double(expression, digits) -%}
    cast(round(cast({{ expression }} as numeric), {{ digits }}) as double precision)
{%- endmacro %}
