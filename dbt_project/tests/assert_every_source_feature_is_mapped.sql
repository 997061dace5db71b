-- A failure names provider feature values or codes the crosswalk_features seed lacks, with how many
-- listings carry each. Their listings keep them in marts.listing_features (feature `other`, the
-- provider's value in source_feature): add the rows to the seed, citing the document line or where
-- the value was observed. A warning, so that a new value never holds back the publish.
{{ config(severity='warn') }}

select
    source,
    provider,
    source_field,
    source_feature,
    count(distinct listing_key) as listings
from {{ ref('int_listing_feature_versions') }}
where not is_mapped
group by source, provider, source_field, source_feature
