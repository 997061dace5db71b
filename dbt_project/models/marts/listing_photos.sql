{#- One row per photo of each listing's latest version, in display order. A provider that forbids
    hotlinking has its photos without a URL (its staging model drops it).

    Incremental (delete+insert on listing_key): a build rebuilds the listings whose timeline rows
    were written since its last build (macros/incremental_listings.sql); its pre-hook first removes
    their photos, since a latest version may have none. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    pre_hook="{{ delete_changed_listings(stamped=[ref('int_listing_timeline')]) }}",
    post_hook="{{ record_incremental_build(stamped=[ref('int_listing_timeline')]) }}"
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
{%- set window = incremental_window(stamped=[ref('int_listing_timeline')]) %}

with

{% if window.since is not none -%}
changed_listings as (

    {{ changed_listings(window) }}

),

{% endif -%}

latest_sequence as (

    -- the key of each listing's latest version first, then its photos: a window carrying the
    -- photos text would hold all of them in memory at once
    select
        listing_key,
        max(sequence_number) as sequence_number
    from {{ ref('int_listing_timeline') }}
    where not is_removal and {{ is_changed_listing(window) }}
    group by listing_key

),

latest_version as (

    select
        timeline.listing_key,
        timeline.photos
    from {{ ref('int_listing_timeline') }} as timeline
    inner join latest_sequence
        on latest_sequence.listing_key = timeline.listing_key
        and latest_sequence.sequence_number = timeline.sequence_number

),

photos as (

    {{ json_list_rows('latest_version', ['listing_key'], 'photos', {
        'position': 'integer',
        'url': 'varchar',
        'caption': 'varchar',
        'is_floor_plan': 'boolean',
        'width': 'integer',
        'height': 'integer'
    }) }}

)

select
    listing_key,
    position,
    url,
    caption,
    is_floor_plan,
    width,
    height
from photos
