{#- Warehouse SQL: JSON, read from provider payloads (JSON text in raw) and written to JSON columns.
    The macros in this folder hold the only DuckDB-specific SQL in the project: models and the other
    macros call them and never write DuckDB syntax themselves. A new warehouse adds
    `<adapter>__<name>` versions in this folder (adapter.dispatch picks them by the target's type);
    until it does, `default__<name>` fails the compile, naming the macro to write.

    Arguments: `json` is a SQL expression (JSON, or JSON text); `path` is dotted keys from the
    document's root ('price.value'), not SQL; `fields` is a dict of field name to SQL type name, in
    the order the records keep them ({'id': 'integer', 'name': 'varchar'}). -#}

{#- The scalar at `path` as text (a string without its quotes, a number or boolean as text);
    null where the path is missing or holds null. -#}
{% macro json_text(json, path) -%}
    {{ return(adapter.dispatch('json_text', 'listings')(json, path)) }}
{%- endmacro %}

{% macro default__json_text(json, path) -%}
    {{ warehouse_sql_not_ported('json_text') }}
{%- endmacro %}

{% macro duckdb__json_text(json, path) -%}
    ({{ json }} ->> '$.{{ path }}')
{%- endmacro %}

{#- The value at `path`, still JSON (an object or array to read further); null where it is missing. -#}
{% macro json_part(json, path) -%}
    {{ return(adapter.dispatch('json_part', 'listings')(json, path)) }}
{%- endmacro %}

{% macro default__json_part(json, path) -%}
    {{ warehouse_sql_not_ported('json_part') }}
{%- endmacro %}

{% macro duckdb__json_part(json, path) -%}
    ({{ json }} -> '$.{{ path }}')
{%- endmacro %}

{#- The number of elements of a JSON array; 0 for any other JSON value, null for null. -#}
{% macro json_array_length(json) -%}
    {{ return(adapter.dispatch('json_array_length', 'listings')(json)) }}
{%- endmacro %}

{% macro default__json_array_length(json) -%}
    {{ warehouse_sql_not_ported('json_array_length') }}
{%- endmacro %}

{% macro duckdb__json_array_length(json) -%}
    json_array_length({{ json }})
{%- endmacro %}

{#- A JSON array of strings as a list of text (see lists.sql), in order. -#}
{% macro json_to_text_list(json) -%}
    {{ return(adapter.dispatch('json_to_text_list', 'listings')(json)) }}
{%- endmacro %}

{% macro default__json_to_text_list(json) -%}
    {{ warehouse_sql_not_ported('json_to_text_list') }}
{%- endmacro %}

{% macro duckdb__json_to_text_list(json) -%}
    cast({{ json }} as varchar[])
{%- endmacro %}

{#- A JSON array of objects as a list of records (see lists.sql) with `fields`, in order. A field
    missing from an object, or whose value has the wrong type, is null: never an error. -#}
{% macro json_to_list(json, fields) -%}
    {{ return(adapter.dispatch('json_to_list', 'listings')(json, fields)) }}
{%- endmacro %}

{% macro default__json_to_list(json, fields) -%}
    {{ warehouse_sql_not_ported('json_to_list') }}
{%- endmacro %}

{% macro duckdb__json_to_list(json, fields) -%}
    json_transform({{ json }}, '{{ tojson(duckdb__json_list_structure(fields)) }}')
{%- endmacro %}

{#- json_transform's structure for an array of objects with `fields` (name: type), as json_to_list
    and json_record read one. -#}
{% macro duckdb__json_list_structure(fields) -%}
    {%- set element = {} -%}
    {%- for field, type in fields.items() -%}
        {%- do element.update({field: type | upper}) -%}
    {%- endfor -%}
    {{ return([element]) }}
{%- endmacro %}

{#- The fields a model reads from a JSON document, in one parse of it: a record (see lists.sql) with
    - each dotted path of `texts` as a record of records down to the value read as json_text reads
      it (record_path gets it back);
    - each field of `lists`, an array of objects, read as json_to_list reads it with its fields;
    - each field of `parts` kept as JSON (a JSON null reads as null).
    One read instead of one per field: DuckDB parses the document for every JSON function, and
    counts about 60 MB against its memory limit for each in a query, even on 1,000 rows
    (duckdb#8734). Two names for one field, or a field inside another, fail the compile. -#}
{% macro json_record(json, texts=[], lists={}, parts=[]) -%}
    {%- set names = texts + (lists.keys() | list) + parts -%}
    {%- for name in names -%}
        {%- for other in names[loop.index:] -%}
            {%- if name | lower == other | lower
                or (other | lower).startswith(name | lower ~ '.')
                or (name | lower).startswith(other | lower ~ '.') -%}
                {{ exceptions.raise_compiler_error(
                    "json_record: '" ~ name ~ "' and '" ~ other ~ "' are one field, or one holds the other"
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('json_record', 'listings')(json, texts, lists, parts)) }}
{%- endmacro %}

{% macro default__json_record(json, texts, lists, parts) -%}
    {{ warehouse_sql_not_ported('json_record') }}
{%- endmacro %}

{% macro duckdb__json_record(json, texts, lists, parts) -%}
    {%- set structure = {} -%}
    {%- for path in texts -%}
        {%- set walked = namespace(node=structure) -%}
        {%- set keys = path.split('.') -%}
        {%- for key in keys[:-1] -%}
            {%- do walked.node.setdefault(key, {}) -%}
            {%- set walked.node = walked.node[key] -%}
        {%- endfor -%}
        {%- do walked.node.update({keys[-1]: 'VARCHAR'}) -%}
    {%- endfor -%}
    {%- for name, fields in lists.items() -%}
        {%- do structure.update({name: duckdb__json_list_structure(fields)}) -%}
    {%- endfor -%}
    {%- for name in parts -%}
        {%- do structure.update({name: 'JSON'}) -%}
    {%- endfor -%}
    json_transform({{ json }}, '{{ tojson(structure) }}')
{%- endmacro %}

{#- A list (of records, see lists.sql) as a JSON array, records as objects with their fields in order. -#}
{% macro list_to_json(list) -%}
    {{ return(adapter.dispatch('list_to_json', 'listings')(list)) }}
{%- endmacro %}

{% macro default__list_to_json(list) -%}
    {{ warehouse_sql_not_ported('list_to_json') }}
{%- endmacro %}

{% macro duckdb__list_to_json(list) -%}
    cast({{ list }} as json)
{%- endmacro %}

{#- A query over `relation`: its `columns`, and one row per object of the JSON array in its column
    `json`, with a column per field of `fields` (read as json_to_list reads them). A row whose array
    is empty or null gives no rows; `columns` must not share a name with a field. A whole query
    rather than a lateral join: DuckDB decorrelates a lateral join with a hash table keyed on the
    JSON text, which holds every array in memory. -#}
{% macro json_list_rows(relation, columns, json, fields) -%}
    {{ return(adapter.dispatch('json_list_rows', 'listings')(relation, columns, json, fields)) }}
{%- endmacro %}

{% macro default__json_list_rows(relation, columns, json, fields) -%}
    {{ warehouse_sql_not_ported('json_list_rows') }}
{%- endmacro %}

{% macro duckdb__json_list_rows(relation, columns, json, fields) -%}
    select {{ columns | join(', ') }}, unnest({{ json_to_list(json, fields) }}, recursive := true)
    from {{ relation }}
{%- endmacro %}
