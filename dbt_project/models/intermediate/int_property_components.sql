{#- One row per listing that matched at least one other (int_property_matches): the connected
    component of the match graph it belongs to, named by the smallest md5 digest of its listings'
    keys. A digest, not the key itself: digests are lower-case hex of one length, which every
    collation orders alike, so DuckDB and PostgreSQL (whose text order follows the locale) name a
    component the same.
    Matches are transitive: a listing on Koto without an MLS number that matches an Enclosure
    listing by address joins the ActuallyCare listing that shares the Enclosure listing's number.

    Min-label propagation, unrolled: each round a listing takes the smallest label among its own,
    its neighbours' and its label's own label (the last, pointer jumping, halves the distance left
    to the component's smallest key each round). Only listings with a match take part, so a round
    costs the match graph, not all listings. has_settled says one more round would change nothing:
    the data test on it fails the build if a component is ever wider than the rounds can span.
    A table: both marts read it, and the rounds are not worth computing twice. -#}
{{ config(materialized='table') }}
{%- set rounds = 8 %}
with

matches as (

    select * from {{ ref('int_property_matches') }}

),

edges as (

    select
        listing_key,
        matched_listing_key as neighbour_key
    from matches
    union all
    select
        matched_listing_key as listing_key,
        listing_key as neighbour_key
    from matches

),

labels_0 as (

    select distinct
        listing_key,
        least(md5(listing_key), md5(neighbour_key)) as component_key
    from edges

),
{% for round in range(1, rounds + 2) %}
candidates_{{ round }} as (

    select
        listing_key,
        component_key
    from labels_{{ round - 1 }}
    union all
    select
        edges.listing_key,
        neighbour.component_key
    from edges
    inner join labels_{{ round - 1 }} as neighbour
        on neighbour.listing_key = edges.neighbour_key
    union all
    select
        labelled.listing_key,
        label_of_label.component_key
    from labels_{{ round - 1 }} as labelled
    inner join labels_{{ round - 1 }} as label_of_label
        on md5(label_of_label.listing_key) = labelled.component_key

),

labels_{{ round }} as (

    select
        listing_key,
        min(component_key) as component_key
    from candidates_{{ round }}
    group by listing_key

),
{% endfor %}
final as (

    select
        settled.listing_key,
        settled.component_key,
        settled.component_key = one_more_round.component_key as has_settled
    from labels_{{ rounds }} as settled
    inner join labels_{{ rounds + 1 }} as one_more_round
        on one_more_round.listing_key = settled.listing_key

)

select * from final
