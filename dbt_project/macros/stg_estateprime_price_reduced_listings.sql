{#- EstatePrime marks a price cut with a store tag (the document's example tag "Price Reduced",
    estateprime.txt:462): the listing keys of `states` (int_listing_states' rows, by that name in the
    calling model) whose latest version carries such a tag, against the store's current tag list (a
    tag renamed or removed there applies at the next build). Which tag names mean a price cut is the
    reading `price_reduced_tag_names` (var `document_readings`, key `estateprime`; default the
    document's "Price Reduced"), compared without case. Found by its name
    (stg_<source>_price_reduced_listings) by marts.listings, which names no provider. -#}
{% macro stg_estateprime_price_reduced_listings(states) -%}
    {%- set readings = var('document_readings', {}).get('estateprime', {}) -%}
    {%- set tag_names = readings.get('price_reduced_tag_names', ['Price Reduced']) -%}
    select distinct {{ states }}.listing_key
    from {{ states }}
    inner join (
        -- each store's tags as it last listed them (stg_estateprime__tags keeps every version and
        -- removal), those that mean a price cut
        select
            tag_versions.account_id,
            tag_versions.tag_id
        from (
            select
                account_id,
                tag_id,
                tag_name,
                is_removal,
                row_number() over (partition by account_id, tag_id order by observed_at desc, load_id desc) as recency
            from {{ ref('stg_estateprime__tags') }}
        ) as tag_versions
        where
            tag_versions.recency = 1
            and not tag_versions.is_removal
            and lower(trim(tag_versions.tag_name)) in (
                {%- for name in tag_names %}
                '{{ name | lower | replace("'", "''") }}'{% if not loop.last %},{% endif %}
                {%- endfor %}
            )
    ) as price_reduced_tags
        on price_reduced_tags.account_id = {{ states }}.account_id
        -- source_tag_ids is ',2,7,'
        and {{ states }}.source_tag_ids like '%,' || price_reduced_tags.tag_id || ',%'
    where {{ states }}.source = 'estateprime'
{%- endmacro %}
