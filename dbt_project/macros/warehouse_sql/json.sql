{#- Warehouse SQL: JSON, read from provider payloads (JSON text in raw). Why each is dispatched:
    README.md in this folder. Where both engines accept the same SQL, models write it themselves:
    `payload ->> 'name'` for one top-level field, `to_json(...)` to write a JSON column. -#}

{#- A query over `relation`: all its columns, then one column per entry of `fields` read from its
    JSON column `json`, in one parse of each document. `fields` maps a dotted path from the
    document's root ('price.value') to what is read there; the column is named after the path with
    `_` for `.` (price_value), in the order given:
    - a SQL type name ('integer', 'decimal(18, 2)', 'timestamptz'): the scalar there, read as text
      (a string without its quotes, a number or boolean as written) and cast to the type, or null
      where it does not convert (cast_or_null): one bad value must not fail a build. Text as text;
    - a list of one type name (['varchar']): an array of scalars, as a list of that type;
    - a list of one dict of field name to type ([{'rank': 'integer', 'url': 'varchar'}]): an array
      of objects, as a list of records (lists.sql) with those fields in that order; a field missing
      from an object, or of another JSON type, is null.
    A missing path, a JSON null, or a value of another shape reads as null, never an error.

    One parse rather than one JSON function per field: DuckDB parses the document for every JSON
    function, and counts about 60 MB against its memory limit for each in a query, even on 1,000
    rows (duckdb#8734). Two paths for one column, or a path inside another, fail the compile. -#}
{% macro json_columns(relation, json, fields) -%}
    {%- set paths = fields.keys() | list -%}
    {%- for path in paths -%}
        {%- for other in paths[loop.index:] -%}
            {%- if path | lower == other | lower
                or (other | lower).startswith(path | lower ~ '.')
                or (path | lower).startswith(other | lower ~ '.')
                or (path | replace('.', '_') | lower) == (other | replace('.', '_') | lower) -%}
                {{ exceptions.raise_compiler_error(
                    "json_columns: '" ~ path ~ "' and '" ~ other ~ "' are one column, or one holds the other"
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('json_columns', 'listings')(relation, json, fields)) }}
{%- endmacro %}

{% macro default__json_columns(relation, json, fields) -%}
    {{ warehouse_sql_not_ported('json_columns') }}
{%- endmacro %}

{#- DuckDB: json_transform reads the whole document into one STRUCT (every scalar as VARCHAR, so
    that "350000" and 350000 read alike), then each column is a field of that STRUCT, try_cast to
    its type. -#}
{% macro duckdb__json_columns(relation, json, fields) -%}
    {%- set structure = {} -%}
    {%- for path, type in fields.items() -%}
        {%- set walked = namespace(node=structure) -%}
        {%- set keys = path.split('.') -%}
        {%- for key in keys[:-1] -%}
            {%- do walked.node.setdefault(key, {}) -%}
            {%- set walked.node = walked.node[key] -%}
        {%- endfor -%}
        {%- do walked.node.update({keys[-1]: duckdb__json_structure(type)}) -%}
    {%- endfor -%}
    select
        json_read.* exclude (json_fields)
        {%- for path, type in fields.items() %},
        {% set field = "json_read.json_fields['" ~ path.split('.') | join("']['") ~ "']" -%}
        {%- if type is string and type | lower not in ['varchar', 'text'] -%}
            try_cast({{ field }} as {{ type }})
        {%- else -%}
            {{ field }}
        {%- endif %} as {{ path | replace('.', '_') }}
        {%- endfor %}
    from (
        select
            *,
            json_transform({{ json }}, '{{ tojson(structure) }}') as json_fields
        from {{ relation }}
    ) as json_read
{%- endmacro %}

{#- json_transform's structure for what json_columns reads at one path (see there). -#}
{% macro duckdb__json_structure(type) -%}
    {%- if type is string -%}
        {{ return('VARCHAR') }}
    {%- elif type[0] is string -%}
        {{ return([type[0] | upper]) }}
    {%- else -%}
        {%- set element = {} -%}
        {%- for field, field_type in type[0].items() -%}
            {%- do element.update({field: field_type | upper}) -%}
        {%- endfor -%}
        {{ return([element]) }}
    {%- endif -%}
{%- endmacro %}

{#- A query over `relation`: its `columns`, and one row per object of the JSON array in its column
    `json`, with a column per field of `fields` (a dict of field name to type, read as json_columns
    reads an array of objects). A row whose array is empty or null gives no rows; `columns` must not
    share a name with a field. A whole query rather than a lateral join: DuckDB decorrelates a
    lateral join with a hash table keyed on the JSON text, which holds every array in memory. -#}
{% macro json_list_rows(relation, columns, json, fields) -%}
    {{ return(adapter.dispatch('json_list_rows', 'listings')(relation, columns, json, fields)) }}
{%- endmacro %}

{% macro default__json_list_rows(relation, columns, json, fields) -%}
    {{ warehouse_sql_not_ported('json_list_rows') }}
{%- endmacro %}

{% macro duckdb__json_list_rows(relation, columns, json, fields) -%}
    select
        {{ columns | join(', ') }},
        unnest(json_transform({{ json }}, '{{ tojson(duckdb__json_structure([fields])) }}'), recursive := true)
    from {{ relation }}
{%- endmacro %}
