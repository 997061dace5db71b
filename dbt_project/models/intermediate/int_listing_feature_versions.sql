{#- Every listing version's features as its provider names them, from the sources whose documents
    give features (AvaroAI `parking`; EstatePrime `features`, `view`, `garden`, `parking_garage`
    and `parking_total`; Apimo `services` and `areas`; see each staging model), mapped to the unified feature
    by the crosswalk_features seed (a value may map to several features: one row each): `other` where the seed lacks the value (surfaced by the test
    assert_every_source_feature_is_mapped), null where the seed says it is no feature of the home
    (an Apimo room). Enclosure/Koto and ActuallyCare send no features. A table, so the raw payloads
    are read once per build. -#}
{{ config(materialized='table') }}
{#- the sources whose staging has a model of features, declared by a macro stg_<source>_listing_features -#}
{%- set feature_models = [] -%}
{%- for source in listing_sources() if context.get('stg_' ~ source ~ '_listing_features') -%}
    {%- do feature_models.append(context.get('stg_' ~ source ~ '_listing_features')()) -%}
{%- endfor %}

with

unioned as (

    {% for model in feature_models %}
    select * from {{ model }}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as varchar) as source,
        cast(null as varchar) as provider,
        cast(null as varchar) as account_id,
        cast(null as varchar) as source_listing_id,
        cast(null as timestamp with time zone) as observed_at,
        cast(null as varchar) as load_id,
        cast(null as varchar) as source_field,
        cast(null as varchar) as source_feature
    where false
    {% endfor %}

),

crosswalk as (

    select * from {{ ref('crosswalk_features') }}

)

select
    unioned.source || ':' || unioned.account_id || ':' || unioned.source_listing_id as listing_key,
    unioned.source,
    unioned.provider,
    unioned.account_id,
    unioned.source_listing_id,
    unioned.load_id,
    unioned.observed_at,
    unioned.source_field,
    unioned.source_feature,
    crosswalk.source_value is not null as is_mapped,
    case
        when crosswalk.source_value is null then 'other'
        else nullif(crosswalk.feature, '')
    end as feature
from unioned
left join crosswalk
    on crosswalk.provider = unioned.provider
    and crosswalk.source_field = unioned.source_field
    and crosswalk.source_value = unioned.source_feature
