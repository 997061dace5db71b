{#- One photo of the `photos` JSON list every staging model writes: {position (from 1), url,
    caption, is_floor_plan, width, height}, in that order, each a SQL expression. What a provider
    does not send is a typed null (is_floor_plan false), so all providers' photos have one type. -#}
{% macro photo_record(
    position,
    url='cast(null as varchar)',
    caption='cast(null as varchar)',
    is_floor_plan='false',
    width='cast(null as integer)',
    height='cast(null as integer)'
) -%}
    {{ record({
        'position': position,
        'url': url,
        'caption': caption,
        'is_floor_plan': is_floor_plan,
        'width': width,
        'height': height
    }) }}
{%- endmacro %}
