{#- One row per listing that has a version: which load stored its latest version (not a removal
    row), by which the entity models (int_listing_agents, marts.listing_features,
    marts.listing_open_houses) pick that version's rows from their staging models. A listing whose
    latest row is a removal keeps its last version, as marts.listings does. -#}
with

latest_sequence as (

    select
        listing_key,
        max(sequence_number) as sequence_number
    from {{ ref('int_listing_timeline') }}
    where not is_removal
    group by listing_key

)

select
    timeline.listing_key,
    timeline.source,
    timeline.account_id,
    timeline.source_listing_id,
    timeline.load_id,
    timeline.observed_at
from {{ ref('int_listing_timeline') }} as timeline
inner join latest_sequence
    on latest_sequence.listing_key = timeline.listing_key
    and latest_sequence.sequence_number = timeline.sequence_number
