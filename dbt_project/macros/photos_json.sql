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
    coalesce(
        to_json({{ list_transform(list, element, photo_record(
            position, url=url, caption=caption, is_floor_plan=is_floor_plan, width=width, height=height
        ), position='position') }}),
        cast('[]' as json)
    )
{%- endmacro %}


{#- One photo of the `photos` JSON list; photos_json gives every field (its defaults are the typed nulls). -#}
{% macro photo_record(position, url, caption, is_floor_plan, width, height) -%}
    {{ record({
        'position': position,
        'url': url,
        'caption': caption,
        'is_floor_plan': is_floor_plan,
        'width': width,
        'height': height
    }) }}
{%- endmacro %}
