{#- A store that never defined a tag has no raw tags table yet (dlt creates it with the first row):
    then no rows, so that marts.listings, which names the tags listings carry, still builds. (A unit
    test's source has no schema or name: its given rows stand in for the table.) -#}
{%- set raw_tags = source('raw_estateprime', 'tags') -%}
with

source as (

    {% if execute and raw_tags.schema is not none and raw_tags.identifier is not none
        and load_relation(raw_tags) is none %}
    select
        cast(null as varchar) as account_id,
        cast(null as varchar) as source_record_id,
        cast(null as boolean) as is_removal,
        cast(null as timestamp with time zone) as observed_at,
        cast(null as varchar) as _dlt_load_id,
        cast(null as varchar) as payload
    where false
    {% else %}
    {{ committed_rows('raw_estateprime', 'tags') }}
    {% endif %}

),

renamed as (

    select
        ---------- ids and lineage
        'estateprime' as source,
        account_id,  -- the store id: a store may define its own tags
        source_record_id as tag_id,  -- the integer id listings carry in `tags`, as text
        is_removal,
        observed_at,
        _dlt_load_id as load_id,

        ---------- label
        cast(payload as json) ->> 'name' as tag_name

    from source

)

select * from renamed
