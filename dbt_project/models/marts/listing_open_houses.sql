{#- One row per listing and open-house slot of its latest version (Enclosure/Koto `open_houses`,
    enclosure_koto.txt:106-108, sent "when available", :202). A changed list of slots is a changed
    record, so the pipeline stores a new version and the mart follows it: a slot the provider no
    longer sends (it passed, or was cancelled) leaves the mart with the load that saw it gone. The
    document does not say whether a past slot is still sent; one that is stays, so filter on
    starts_at for upcoming ones. A listing removed from the provider keeps its last version's
    slots, like its other fields in marts.listings. A table rebuilt in full by every build. -#}
{#- the sources whose staging has a model of open houses, declared by a macro stg_<source>_open_houses -#}
{%- set open_house_models = [] -%}
{%- for source in listing_sources() if context.get('stg_' ~ source ~ '_open_houses') -%}
    {%- do open_house_models.append(context.get('stg_' ~ source ~ '_open_houses')()) -%}
{%- endfor %}

with

slots as (

    {% for model in open_house_models %}
    select * from {{ model }}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as varchar) as source,
        cast(null as varchar) as account_id,
        cast(null as varchar) as source_listing_id,
        cast(null as varchar) as load_id,
        cast(null as timestamp with time zone) as starts_at,
        cast(null as timestamp with time zone) as ends_at
    where false
    {% endfor %}

),

latest_versions as (

    select * from {{ ref('int_listing_latest_versions') }}

),

final as (

    select distinct
        latest_versions.listing_key,
        slots.starts_at,
        slots.ends_at
    from slots
    inner join latest_versions
        on latest_versions.source = slots.source
        and latest_versions.account_id = slots.account_id
        and latest_versions.source_listing_id = slots.source_listing_id
        and latest_versions.load_id = slots.load_id
    where slots.starts_at is not null

)

select * from final
