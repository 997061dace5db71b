{#- The `photos` JSON column every staging model writes: a JSON array with one object per element
    of `list` (see lists.sql), in order: {position, url, caption, is_floor_plan, width, height}, in
    that order, each a SQL expression in which `element` names the list's element and `position`
    its position (from 1). What a provider does not send is a typed null (is_floor_plan false), so
    all providers' photos have one type. An empty or null list gives `[]`. -#}
{% macro photos_json(
    list,
    element,
    position='position',
    url='cast(null as varchar)',
    caption='cast(null as varchar)',
    is_floor_plan='false',
    width='cast(null as integer)',
    height='cast(null as integer)'
) -%}
    {{ json_list(list_transform(list, element, photo_record(
        position, url=url, caption=caption, is_floor_plan=is_floor_plan, width=width, height=height
    ), position='position')) }}
{%- endmacro %}


{#- One photo of the `photos` JSON list; photos_json gives every field (its defaults are the typed nulls).
    Each field is cast to its type: a record's field may read as text (record_field on PostgreSQL). -#}
{% macro photo_record(position, url, caption, is_floor_plan, width, height) -%}
    {{ record({
        'position': cast_or_null(position, 'integer'),
        'url': cast_or_null(url, 'varchar'),
        'caption': cast_or_null(caption, 'varchar'),
        'is_floor_plan': cast_or_null(is_floor_plan, 'boolean'),
        'width': cast_or_null(width, 'integer'),
        'height': cast_or_null(height, 'integer')
    }) }}
{%- endmacro %}
