{#- EstatePrime sends features: its model of them, found by this macro's name (stg_<source>_listing_features)
    by int_listing_feature_versions, which names no provider. -#}
{% macro stg_estateprime_listing_features() -%}
    {{ return(ref('stg_estateprime__listing_features')) }}
{%- endmacro %}
