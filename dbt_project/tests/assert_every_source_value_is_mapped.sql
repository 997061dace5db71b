-- A failure names provider words or codes the crosswalk_vocabulary seed lacks, with how many
-- listings carry each. Their listings still reach the mart (as listing_type or property_type
-- `other`, status `unknown`): add the rows to the seed, citing the document line or where the value
-- was observed. A warning, so that a new word never holds back the publish; `listings run` and
-- `listings status` print the same rows.
{{ config(severity='warn') }}

select * from {{ ref('int_unmapped_source_values') }}
