{#- One row per listing and feature of its latest version, as its provider names it (source_field,
    source_feature), with the unified feature name: the crosswalk_features seed's, or `other` for
    a value it lacks (named by the test assert_every_source_feature_is_mapped). Values the seed
    says are no feature of the home (Apimo rooms) are left out. A table rebuilt in full by every
    build. -#}
with

feature_versions as (

    select * from {{ ref('int_listing_feature_versions') }}
    where feature is not null

),

latest_versions as (

    select * from {{ ref('int_listing_latest_versions') }}

),

final as (

    select distinct
        feature_versions.listing_key,
        feature_versions.feature,
        feature_versions.source_field,
        feature_versions.source_feature
    from feature_versions
    inner join latest_versions
        on latest_versions.listing_key = feature_versions.listing_key
        and latest_versions.load_id = feature_versions.load_id

)

select * from final
