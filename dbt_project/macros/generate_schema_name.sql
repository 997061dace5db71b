{#- Use a folder's +schema as the schema itself (`marts`, not `main_marts`): BI tools and analysts
    are promised `marts.listings`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
