{#- Warehouse SQL: functions a warehouse needs before any model runs (dbt_project.yml's
    on-run-start). DuckDB has them built in; PostgreSQL gets them in the target schema:
    - listings_try_<type>(text): cast_or_null's casts (casts.sql), null where the cast fails;
    - listings_list_elements(list): a list's elements with their positions from 1, for a jsonb array
      (lists of records) and for a native array (lists of scalars) alike (lists.sql). -#}
{% macro warehouse_functions() -%}
    {{ return(adapter.dispatch('warehouse_functions', 'listings')()) }}
{%- endmacro %}

{% macro default__warehouse_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__warehouse_functions() -%}
    {%- set schema = target.schema -%}
    create schema if not exists {{ schema }};
    {%- for name, type in {
        'bigint': 'bigint', 'double': 'double precision', 'boolean': 'boolean', 'date': 'date',
        'timestamp': 'timestamp', 'timestamptz': 'timestamptz'
    }.items() %}
    create or replace function {{ schema }}.listings_try_{{ name }}(value text) returns {{ type }}
    language plpgsql immutable strict parallel safe as $$
    begin
        return value::{{ type }};
    exception when others then
        return null;
    end $$;
    {%- endfor %}
    -- DuckDB rounds a decimal string cast to an integer ('1.5' is 2) and reads an exponent
    create or replace function {{ schema }}.listings_try_integer(value text) returns integer
    language plpgsql immutable strict parallel safe as $$
    begin
        return value::integer;
    exception when others then
        begin
            return round(value::numeric)::integer;
        exception when others then
            return null;
        end;
    end $$;
    -- rounded to the scale; null where the value does not fit the precision, or is not a number
    create or replace function {{ schema }}.listings_try_decimal(value text, digits integer, scale integer)
    returns numeric language plpgsql immutable strict parallel safe as $$
    declare
        number numeric;
    begin
        number := round(value::numeric, scale);
        if number = 'NaN' or abs(number) >= 10::numeric ^ (digits - scale) then
            return null;
        end if;
        return number;
    exception when others then
        return null;
    end $$;
    create or replace function {{ schema }}.listings_list_elements(list jsonb)
    returns table (list_element jsonb, list_position bigint)
    language sql immutable parallel safe as $$
        select * from jsonb_array_elements(case when jsonb_typeof(list) = 'array' then list end) with ordinality
    $$;
    create or replace function {{ schema }}.listings_list_elements(list anyarray)
    returns table (list_element anyelement, list_position bigint)
    language sql immutable parallel safe as $$
        select * from unnest(list) with ordinality
    $$;
{%- endmacro %}
