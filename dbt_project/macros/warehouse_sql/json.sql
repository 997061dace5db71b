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
    rows (duckdb#8734). Two paths for one column, or a path inside another, fail the compile.

    The parse happens wherever the columns are read: DuckDB inlines a CTE into each query that
    reads it, and pushes a filter on a column down into json_transform. A model that reads the
    columns more than once keeps them in a `materialized` CTE, without the JSON text, and reads
    arrays from there with list_rows (lists.sql): at 1M listings each extra read of EstatePrime's
    payloads cost about 2.5 s. -#}
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

{#- PostgreSQL: the document is parsed once, cast to jsonb in a lateral subquery; each column reads
    its path with #>> (text) and is cast as cast_or_null does. A list of scalars becomes a native
    array of its type; a list of objects a jsonb array of objects holding only the fields asked for,
    each typed (to_jsonb of the cast), so records compare and read as DuckDB's do (lists.sql). -#}
{% macro postgres__json_columns(relation, json, fields) -%}
    select
        json_source.*
        {%- for path, type in fields.items() %},
        {% set at = "json_read.document #> '{" ~ path.split('.') | join(',') ~ "}'" -%}
        {%- set array = "case when jsonb_typeof(" ~ at ~ ") = 'array' then " ~ at ~ " end" -%}
        {%- if type is string -%}
            {{ cast_or_null("json_read.document #>> '{" ~ path.split('.') | join(',') ~ "}'", type) }}
        {%- elif type[0] is string -%}
            case when jsonb_typeof({{ at }}) = 'array' then array(
                select {{ cast_or_null("json_item.value #>> '{}'", type[0]) }}
                from jsonb_array_elements({{ array }}) with ordinality as json_item (value, position)
                order by json_item.position
            ) end
        {%- else -%}
            case when jsonb_typeof({{ at }}) = 'array' then (
                select coalesce(jsonb_agg(jsonb_build_object(
                    {%- for field, field_type in type[0].items() %}
                    '{{ field }}', to_jsonb({{ cast_or_null("json_item.value ->> '" ~ field ~ "'", field_type) }})
                    {%- if not loop.last %},{% endif %}
                    {%- endfor %}
                ) order by json_item.position), '[]'::jsonb)
                from jsonb_array_elements({{ array }}) with ordinality as json_item (value, position)
            ) end
        {%- endif %} as {{ path | replace('.', '_') }}
        {%- endfor %}
    from {{ relation }} as json_source
    cross join lateral (select cast(json_source.{{ json }} as jsonb) as document) as json_read
{%- endmacro %}

{% macro postgres__json_list_rows(relation, columns, json, fields) -%}
    select
        {% for column in columns %}json_source.{{ column }},{% endfor %}
        {%- for field, type in fields.items() %}
        {{ cast_or_null("json_item ->> '" ~ field ~ "'", type) }} as {{ field }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }} as json_source
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(cast(json_source.{{ json }} as jsonb)) = 'array' then cast(json_source.{{ json }} as jsonb) end
    ) as json_item
{%- endmacro %}

{#- A list (lists.sql) as a JSON array, `[]` for a null list: DuckDB's JSON text, PostgreSQL's jsonb
    (which compares by value, as tests need, where its json type has no equality at all). -#}
{% macro json_list(list) -%}
    {{ return(adapter.dispatch('json_list', 'listings')(list)) }}
{%- endmacro %}

{% macro default__json_list(list) -%}
    {{ warehouse_sql_not_ported('json_list') }}
{%- endmacro %}

{% macro duckdb__json_list(list) -%}
    coalesce(to_json({{ list }}), cast('[]' as json))
{%- endmacro %}

{% macro postgres__json_list(list) -%}
    coalesce(to_jsonb({{ list }}), '[]'::jsonb)
{%- endmacro %}
