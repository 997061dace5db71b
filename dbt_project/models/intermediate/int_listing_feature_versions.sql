{#- Every listing version's features (int_listing_source_features) mapped to the unified feature by
    the crosswalk_features seed (a value may map to several features: one row each): `other` where
    the seed lacks the value (surfaced by the test assert_every_source_feature_is_mapped), null where
    the seed says it is no feature of the home (an Apimo room). A view: a corrected seed reaches all
    history at the next build, and no payload is parsed again for it. -#}
with

source_features as (

    select * from {{ ref('int_listing_source_features') }}

),

crosswalk as (

    select * from {{ ref('crosswalk_features') }}

)

select
    source_features.listing_key,
    source_features.source,
    source_features.provider,
    source_features.account_id,
    source_features.source_listing_id,
    source_features.load_id,
    source_features.observed_at,
    source_features.source_field,
    source_features.source_feature,
    crosswalk.source_value is not null as is_mapped,
    case
        when crosswalk.source_value is null then 'other'
        else nullif(crosswalk.feature, '')
    end as feature
from source_features
left join crosswalk
    on crosswalk.provider = source_features.provider
    and crosswalk.source_field = source_features.source_field
    and crosswalk.source_value = source_features.source_feature
