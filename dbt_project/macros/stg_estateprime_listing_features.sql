{#- EstatePrime sends features: the name of its model of them, found by this macro's name
    (stg_<source>_listing_features) by int_listing_source_features, which names no provider. -#}
{% macro stg_estateprime_listing_features() -%}
    {{ return('stg_estateprime__listing_features') }}
{%- endmacro %}
