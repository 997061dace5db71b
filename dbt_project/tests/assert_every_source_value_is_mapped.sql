-- A warning names provider words or codes the crosswalk_vocabulary seed lacks. Their listings still
-- reach the mart (as listing_type or property_type `other`, status `unknown`): add the rows to the seed.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'crosswalk_vocabulary'}}}) }}

with

observed as (

    select distinct provider, 'listing_type' as field, source_listing_type as source_value
    from {{ ref('int_listing_versions') }}
    union
    select distinct provider, 'property_type', source_property_type from {{ ref('int_listing_versions') }}
    union
    select distinct provider, 'status', source_status from {{ ref('int_listing_versions') }}

)

select observed.*
from observed
left join {{ ref('crosswalk_vocabulary') }} as vocabulary
    on vocabulary.provider = observed.provider
    and vocabulary.field = observed.field
    and vocabulary.source_value = observed.source_value
where observed.source_value is not null and vocabulary.source_value is null
