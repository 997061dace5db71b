{#- Warehouse SQL: the elements of a JSON array in a payload, one row each, with their position
    (why this is dispatched: README.md in this folder).

    json_array_rows(relation, columns, json, key, fields, prefix): a query over `relation` giving
    its `columns`, then one row per element of the array at the top-level `key` of its JSON text
    column `json`:
    - `fields` a SQL type name ('integer', 'varchar'): an array of scalars; the element, read as text
      and cast to the type (cast_or_null), is the column `<prefix>`;
    - `fields` a dict of field name to type: an array of objects; each field is the column
      `<prefix>_<field>` (so a field may be named as a SQL keyword, `end`), null where an object
      lacks it or it does not convert;
    and `<prefix>_position`, the element's position from 1 (an integer). A row whose array is
    empty, null, missing or not an array gives no rows, never an error.

    Unlike json_list_rows (json.sql), it reads arrays of scalars too, keeps positions and prefixes
    the columns; like it, a whole query rather than a lateral join on DuckDB (see there). -#}
{% macro json_array_rows(relation, columns, json, key, fields, prefix) -%}
    {{ return(adapter.dispatch('json_array_rows', 'listings')(relation, columns, json, key, fields, prefix)) }}
{%- endmacro %}

{% macro default__json_array_rows(relation, columns, json, key, fields, prefix) -%}
    {{ warehouse_sql_not_ported('json_array_rows') }}
{%- endmacro %}

{#- DuckDB: json_transform reads the array with every scalar as VARCHAR (as json_columns does), two
    unnests of one length zip the elements with their positions, and each is try_cast to its type. -#}
{% macro duckdb__json_array_rows(relation, columns, json, key, fields, prefix) -%}
    {%- if fields is string -%}
        {%- set structure = {key: ['VARCHAR']} -%}
    {%- else -%}
        {%- set element = {} -%}
        {%- for field in fields -%}
            {%- do element.update({field: 'VARCHAR'}) -%}
        {%- endfor -%}
        {%- set structure = {key: [element]} -%}
    {%- endif -%}
    select
        {% for column in columns %}json_elements.{{ column }},{% endfor %}
        {%- if fields is string %}
        {{ cast_or_null('json_elements.json_element', fields) }} as {{ prefix }},
        {%- else %}
        {%- for field, type in fields.items() %}
        {{ cast_or_null("json_elements.json_element['" ~ field ~ "']", type) }} as {{ prefix }}_{{ field }},
        {%- endfor %}
        {%- endif %}
        cast(json_elements.json_position as integer) as {{ prefix }}_position
    from (
        select
            {% for column in columns %}json_arrays.{{ column }},{% endfor %}
            unnest(json_arrays.json_items) as json_element,
            unnest(range(1, len(json_arrays.json_items) + 1)) as json_position
        from (
            select
                {% for column in columns %}{{ column }},{% endfor %}
                json_transform({{ json }}, '{{ tojson(structure) }}')['{{ key }}'] as json_items
            from {{ relation }}
        ) as json_arrays
    ) as json_elements
{%- endmacro %}

{#- PostgreSQL: jsonb_array_elements with ordinality in a lateral join; a scalar read with #>> '{}'
    (a string without its quotes), an object's field with ->>, each cast as cast_or_null does. -#}
{% macro postgres__json_array_rows(relation, columns, json, key, fields, prefix) -%}
    {%- set array = "cast(json_source." ~ json ~ " as jsonb) -> '" ~ key ~ "'" -%}
    select
        {% for column in columns %}json_source.{{ column }},{% endfor %}
        {%- if fields is string %}
        {{ cast_or_null("json_element.value #>> '{}'", fields) }} as {{ prefix }},
        {%- else %}
        {%- for field, type in fields.items() %}
        {{ cast_or_null("json_element.value ->> '" ~ field ~ "'", type) }} as {{ prefix }}_{{ field }},
        {%- endfor %}
        {%- endif %}
        cast(json_element.position as integer) as {{ prefix }}_position
    from {{ relation }} as json_source
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof({{ array }}) = 'array' then {{ array }} end
    ) with ordinality as json_element (value, position)
{%- endmacro %}
