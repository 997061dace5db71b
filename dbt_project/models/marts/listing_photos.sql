{#- One row per photo of each listing's latest version, in display order. A provider that forbids
    hotlinking has its photos without a URL (its staging model drops it); the photo mirror's copy
    (stored_uri, sha256) is there for every photo it has stored, whatever the provider.

    Incremental (delete+insert on listing_key): a build rebuilds the listings whose timeline rows
    were written since its last build (macros/incremental_listings.sql), and those whose photos the
    mirror stored since (int_listing_photo_mirror's stamps); its pre-hook first removes the photos of
    the former, since a latest version may have none. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    pre_hook="{{ delete_changed_listings(stamped=[ref('int_listing_timeline'), ref('int_listing_photo_mirror')]) }}",
    post_hook="{{ record_incremental_build(stamped=[ref('int_listing_timeline'), ref('int_listing_photo_mirror')]) }}"
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
{%- set window = incremental_window(stamped=[ref('int_listing_timeline'), ref('int_listing_photo_mirror')]) %}

with

{% if window.since is not none -%}
changed_listings as (

    {{ changed_listings(window) }}
    union
    -- listings with a photo the mirror stored since this model's last build
    select photo_sources.listing_key
    from {{ ref('int_listing_photo_sources') }} as photo_sources
    inner join {{ ref('int_listing_photo_mirror') }} as new_copies
        on new_copies.source_url = photo_sources.source_url
    where {{ stamped_in(window, 'new_copies.rebuilt_at') }}

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

),

-- the latest stored copy of each source URL
copies as (

    select
        source_url,
        stored_uri,
        sha256,
        width,
        height,
        row_number() over (partition by source_url order by fetched_at desc, load_id desc) as recency
    from {{ ref('int_listing_photo_mirror') }}

),

-- each photo's copy, by its source URL (also where the provider forbids linking to it, then not
-- published); found before the photos join it, so that they join the photos copied, not every
-- photo's URL (twice 10 million rows at 1M listings)
photo_copies as (

    select
        photo_sources.listing_key,
        photo_sources.position,
        copies.stored_uri,
        copies.sha256,
        copies.width,
        copies.height
    from {{ ref('int_listing_photo_sources') }} as photo_sources
    inner join copies
        on copies.source_url = photo_sources.source_url
        and copies.recency = 1
    where {{ is_changed_listing(window, 'photo_sources.listing_key') }}

)

select
    photos.listing_key,
    photos.position,
    photos.url,
    photos.caption,
    photos.is_floor_plan,
    -- the provider's own figures (Apimo's width_max/height_max), else the mirrored image's
    coalesce(photos.width, photo_copies.width) as width,
    coalesce(photos.height, photo_copies.height) as height,
    photo_copies.stored_uri,
    photo_copies.sha256
from photos
left join photo_copies
    on photo_copies.listing_key = photos.listing_key
    and photo_copies.position = photos.position
