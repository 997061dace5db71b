{#- Rows of a dlt-loaded raw table that belong to committed loads only (status 0 in the dataset's
    `_dlt_loads`). A crashed or retried load can leave rows behind (dlt#4052); they are not data.
    `_dlt_loads` is a declared source (mapped to the raw table's own Dagster asset), so unit tests
    can feed it like any other input. -#}
{% macro committed_rows(source_name, table_name) -%}
    select raw_rows.*
    from {{ source(source_name, table_name) }} as raw_rows
    where raw_rows._dlt_load_id in (
        select committed.load_id from {{ source(source_name, '_dlt_loads') }} as committed
        where committed.status = 0
    )
{%- endmacro %}


{#- The committed rows of a provider's raw `listings` table that are versions or removals: a row with
    neither a payload nor the removal flag marks a complete scan that missed the listing before
    enough scans confirmed its removal (`removal_confirmations`); int_listing_misses reads those. -#}
{% macro listing_rows(source_name) -%}
    select listing_rows.*
    from ({{ committed_rows(source_name, 'listings') }}) as listing_rows
    where listing_rows.is_removal or listing_rows.payload is not null
{%- endmacro %}
