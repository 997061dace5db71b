{#- Warehouse SQL: lists, and the records (named fields) in them (why these are dispatched:
    README.md in this folder).

    A list is one value holding elements in order, positions counted from 1 (json_columns in
    json.sql reads them from JSON; `to_json(list)` writes one back). `list` and
    `expression`/`condition` are SQL; `element` and `position` are the names by which an expression
    refers to each element and its position, as a lambda's parameters. -#}

{#- The number of elements; null for a null list. -#}
{% macro list_length(list) -%}
    {{ return(adapter.dispatch('list_length', 'listings')(list)) }}
{%- endmacro %}

{% macro default__list_length(list) -%}
    {{ warehouse_sql_not_ported('list_length') }}
{%- endmacro %}

{% macro duckdb__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{#- The first element; null for an empty or null list. -#}
{% macro list_first(list) -%}
    {{ return(adapter.dispatch('list_first', 'listings')(list)) }}
{%- endmacro %}

{% macro default__list_first(list) -%}
    {{ warehouse_sql_not_ported('list_first') }}
{%- endmacro %}

{% macro duckdb__list_first(list) -%}
    ({{ list }})[1]
{%- endmacro %}

{#- The elements for which `condition` is true, in order. -#}
{% macro list_filter(list, element, condition) -%}
    {{ return(adapter.dispatch('list_filter', 'listings')(list, element, condition)) }}
{%- endmacro %}

{% macro default__list_filter(list, element, condition) -%}
    {{ warehouse_sql_not_ported('list_filter') }}
{%- endmacro %}

{% macro duckdb__list_filter(list, element, condition) -%}
    list_filter({{ list }}, lambda {{ element }}: {{ condition }})
{%- endmacro %}

{#- `expression` of each element (and of its position from 1, when `position` names it), in order.
    The expression may also refer to the row's columns. -#}
{% macro list_transform(list, element, expression, position=none) -%}
    {{ return(adapter.dispatch('list_transform', 'listings')(list, element, expression, position)) }}
{%- endmacro %}

{% macro default__list_transform(list, element, expression, position=none) -%}
    {{ warehouse_sql_not_ported('list_transform') }}
{%- endmacro %}

{% macro duckdb__list_transform(list, element, expression, position=none) -%}
    list_transform({{ list }}, lambda {{ element }}{{ ', ' ~ position if position }}: {{ expression }})
{%- endmacro %}

{#- The sum of the non-null elements; null for an empty or null list, or one of nulls only. -#}
{% macro list_sum(list) -%}
    {{ return(adapter.dispatch('list_sum', 'listings')(list)) }}
{%- endmacro %}

{% macro default__list_sum(list) -%}
    {{ warehouse_sql_not_ported('list_sum') }}
{%- endmacro %}

{% macro duckdb__list_sum(list) -%}
    list_sum({{ list }})
{%- endmacro %}

{#- The elements in ascending order. Records compare field by field in their order, the first field
    first, and a null field after every value of that field; `by` names a record's fields in that
    order, for warehouses whose records keep no order of their own (PostgreSQL's jsonb objects). -#}
{% macro list_sort(list, by=none) -%}
    {{ return(adapter.dispatch('list_sort', 'listings')(list, by)) }}
{%- endmacro %}

{% macro default__list_sort(list, by=none) -%}
    {{ warehouse_sql_not_ported('list_sort') }}
{%- endmacro %}

{% macro duckdb__list_sort(list, by=none) -%}
    list_sort({{ list }}, 'ASC', 'NULLS LAST')
{%- endmacro %}

{#- The integers 0, 1, ... count - 1 as a list; empty when count is 0 or less. -#}
{% macro integer_range(count) -%}
    {{ return(adapter.dispatch('integer_range', 'listings')(count)) }}
{%- endmacro %}

{% macro default__integer_range(count) -%}
    {{ warehouse_sql_not_ported('integer_range') }}
{%- endmacro %}

{% macro duckdb__integer_range(count) -%}
    range({{ count }})
{%- endmacro %}

{#- A record of `fields`, a dict of field name to SQL expression, in that order. A field meant to
    be null is given a typed null (cast(null as varchar)), so every record of a list has one type. -#}
{% macro record(fields) -%}
    {{ return(adapter.dispatch('record', 'listings')(fields)) }}
{%- endmacro %}

{% macro default__record(fields) -%}
    {{ warehouse_sql_not_ported('record') }}
{%- endmacro %}

{% macro duckdb__record(fields) -%}
    {%- set pairs = [] -%}
    {%- for name, expression in fields.items() -%}
        {%- do pairs.append("'" ~ name ~ "': " ~ expression) -%}
    {%- endfor -%}
    {{ '{' ~ pairs | join(', ') ~ '}' }}
{%- endmacro %}

{#- The field `field` (a name, not SQL) of a record; null for a null record. -#}
{% macro record_field(record, field) -%}
    {{ return(adapter.dispatch('record_field', 'listings')(record, field)) }}
{%- endmacro %}

{% macro default__record_field(record, field) -%}
    {{ warehouse_sql_not_ported('record_field') }}
{%- endmacro %}

{% macro duckdb__record_field(record, field) -%}
    ({{ record }})['{{ field }}']
{%- endmacro %}

{#- A query over `relation`: its `columns`, then one row per element of its list column `list`
    (as json_columns reads an array), the element as `<prefix>` and its position from 1 as
    `<prefix>_position` (an integer); a record's fields are read with record_field. A null or empty
    list gives no rows. Where json_array_rows would read the JSON text again, this reads a list
    already parsed: a model that needs several arrays of a payload parses it once. -#}
{% macro list_rows(relation, columns, list, prefix) -%}
    {{ return(adapter.dispatch('list_rows', 'listings')(relation, columns, list, prefix)) }}
{%- endmacro %}

{% macro default__list_rows(relation, columns, list, prefix) -%}
    {{ warehouse_sql_not_ported('list_rows') }}
{%- endmacro %}

{#- DuckDB: two unnests of one length zip the elements with their positions (as json_array_rows). -#}
{% macro duckdb__list_rows(relation, columns, list, prefix) -%}
    select
        {% for column in columns %}list_elements.{{ column }},{% endfor %}
        list_elements.list_element as {{ prefix }},
        cast(list_elements.list_position as integer) as {{ prefix }}_position
    from (
        select
            {% for column in columns %}list_source.{{ column }},{% endfor %}
            unnest(list_source.{{ list }}) as list_element,
            unnest(range(1, len(list_source.{{ list }}) + 1)) as list_position
        from {{ relation }} as list_source
    ) as list_elements
{%- endmacro %}

{#- PostgreSQL: a list of records is a jsonb array of objects; a list of scalars a native array
    (json_columns makes both). listings_list_elements (warehouse_functions.sql) reads either, with
    positions from 1; a record's field reads as text (record_field), so a caller that needs its
    type casts it (cast_or_null). An expression over elements runs in a subquery per row. -#}
{% macro postgres__list_length(list) -%}
    case when ({{ list }}) is not null then
        (select count(*) from {{ target.schema }}.listings_list_elements({{ list }}))
    end
{%- endmacro %}

{% macro postgres__list_first(list) -%}
    (select list_item.list_element from {{ target.schema }}.listings_list_elements({{ list }}) as list_item
     where list_item.list_position = 1)
{%- endmacro %}

{% macro postgres__list_filter(list, element, condition) -%}
    (select coalesce(jsonb_agg(to_jsonb({{ element }}) order by list_item.list_position), '[]'::jsonb)
     from {{ target.schema }}.listings_list_elements({{ list }}) as list_item ({{ element }}, list_position)
     where {{ condition }})
{%- endmacro %}

{% macro postgres__list_transform(list, element, expression, position=none) -%}
    {%- set position_name = position or 'list_position' -%}
    (select coalesce(jsonb_agg(to_jsonb({{ expression }}) order by {{ position_name }}), '[]'::jsonb)
     from {{ target.schema }}.listings_list_elements({{ list }}) as list_item ({{ element }}, {{ position_name }}))
{%- endmacro %}

{% macro postgres__list_sum(list) -%}
    (select sum(cast(list_item.list_element #>> '{}' as numeric))
     from {{ target.schema }}.listings_list_elements(to_jsonb({{ list }})) as list_item)
{%- endmacro %}

{#- Records compare field by field, in the order `by` names them (a jsonb object keeps no field
    order); a null field after every value of that field. Scalars compare as themselves. -#}
{% macro postgres__list_sort(list, by=none) -%}
    (select coalesce(jsonb_agg(list_item.list_element order by
        {%- for field in by or [] %} nullif(list_item.list_element -> '{{ field }}', 'null'::jsonb) nulls last,{% endfor %}
        list_item.list_element nulls last), '[]'::jsonb)
     from {{ target.schema }}.listings_list_elements(to_jsonb({{ list }})) as list_item)
{%- endmacro %}

{% macro postgres__integer_range(count) -%}
    array(select generate_series(0, ({{ count }}) - 1))
{%- endmacro %}

{% macro postgres__record(fields) -%}
    jsonb_build_object(
    {%- for name, expression in fields.items() %}'{{ name }}', {{ expression }}{% if not loop.last %}, {% endif %}{% endfor -%}
    )
{%- endmacro %}

{% macro postgres__record_field(record, field) -%}
    (({{ record }}) ->> '{{ field }}')
{%- endmacro %}

{% macro postgres__list_rows(relation, columns, list, prefix) -%}
    select
        {% for column in columns %}list_source.{{ column }},{% endfor %}
        list_item.list_element as {{ prefix }},
        cast(list_item.list_position as integer) as {{ prefix }}_position
    from {{ relation }} as list_source
    cross join lateral {{ target.schema }}.listings_list_elements(list_source.{{ list }}) as list_item
{%- endmacro %}
