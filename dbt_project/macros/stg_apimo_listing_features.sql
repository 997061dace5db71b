{#- Apimo sends features: the name of its model of them, found by this macro's name
    (stg_<source>_listing_features) by int_listing_source_features, which names no provider. -#}
{% macro stg_apimo_listing_features() -%}
    {{ return('stg_apimo__listing_features') }}
{%- endmacro %}
