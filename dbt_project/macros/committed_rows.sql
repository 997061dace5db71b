{#- Rows of a dlt-loaded raw table that belong to committed loads only (status 0 in the dataset's
    `_dlt_loads`). A crashed or retried load can leave rows behind (dlt#4052); they are not data.
    `_dlt_loads` is read beside the source rather than declared as a source of its own, so the raw
    table stays the single upstream asset of its staging model. -#}
{% macro committed_rows(source_name, table_name) -%}
    {%- set raw_table = source(source_name, table_name) -%}
    {%- set loads = api.Relation.create(database=raw_table.database, schema=raw_table.schema,
                                        identifier='_dlt_loads') -%}
    select raw_rows.*
    from {{ raw_table }} as raw_rows
    where raw_rows._dlt_load_id in (select load_id from {{ loads }} where status = 0)
{%- endmacro %}
