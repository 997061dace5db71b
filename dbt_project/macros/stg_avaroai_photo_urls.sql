{#- AvaroAI forbids hotlinking (avaroai.txt:143-149): its photos' URLs stay out of staging's `photos`
    and come to int_listing_photo_sources from their own model, which marks them as photos the mirror
    copies by default. A provider with such a model declares it in a macro named `stg_<source>_photo_urls`,
    as here; int_listing_photo_sources finds it by that name. -#}
{% macro stg_avaroai_photo_urls() -%}
    {{ return(ref('stg_avaroai__photo_urls')) }}
{%- endmacro %}
