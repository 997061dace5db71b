{#- Warehouse SQL: time zones and date arithmetic.
    The macros in this folder hold the only DuckDB-specific SQL in the project: models and the other
    macros call them and never write DuckDB syntax themselves. A new warehouse adds
    `<adapter>__<name>` versions in this folder (adapter.dispatch picks them by the target's type);
    until it does, `default__<name>` fails the compile, naming the macro to write. -#}

{#- The instant (a timestamp with time zone) of `local_timestamp`, a timestamp without one read as
    wall-clock time in `time_zone` (an IANA name, e.g. 'Europe/Paris', not SQL). -#}
{% macro from_local_time(local_timestamp, time_zone) -%}
    {{ return(adapter.dispatch('from_local_time', 'listings')(local_timestamp, time_zone)) }}
{%- endmacro %}

{% macro default__from_local_time(local_timestamp, time_zone) -%}
    {{ warehouse_sql_not_ported('from_local_time') }}
{%- endmacro %}

{% macro duckdb__from_local_time(local_timestamp, time_zone) -%}
    timezone('{{ time_zone }}', {{ local_timestamp }})
{%- endmacro %}

{#- Days from `start_at` to `end_at` (timestamps with time zone), counted as the calendar dates
    crossed in the session's time zone (DuckDB's TimeZone setting: the machine's unless the profile
    sets it), not as elapsed 24-hour periods: 23:00 to 01:00 the next day is one day. Negative when
    end_at is earlier. -#}
{% macro days_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('days_between', 'listings')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__days_between(start_at, end_at) -%}
    {{ warehouse_sql_not_ported('days_between') }}
{%- endmacro %}

{% macro duckdb__days_between(start_at, end_at) -%}
    date_diff('day', {{ start_at }}, {{ end_at }})
{%- endmacro %}
