{#- Every photo of each listing's latest version, with the URL it is fetched from: the photo
    mirror's list of what to copy (orchestration/defs/photos), and how marts.listing_photos finds
    each photo's copy. The latest version is marts.listing_photos' (the last one with a payload).

    Staging's `photos` carry the URL where a provider allows linking to it. A provider whose document
    forbids hotlinking keeps its URLs out of staging's `photos` and gives them in a model of their own,
    declared by a macro `stg_<source>_photo_urls` (macros/stg_<source>_photo_urls.sql), found here by
    that name; its photos are `hotlinking_forbidden`, which the mirror copies by default.

    Incremental (delete+insert on listing_key), as marts.listing_photos: a build rebuilds the
    listings whose timeline rows were written since its last build (macros/incremental_listings.sql),
    its pre-hook first removing their photos, since a latest version may have none. A table, so that
    the mart, the mirror and the tests read it without parsing the payloads again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    pre_hook="{{ delete_changed_listings(stamped=[ref('int_listing_timeline')]) }}",
    post_hook="{{ record_incremental_build(stamped=[ref('int_listing_timeline')]) }}"
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
-- SQLFluff reads the indents inside these Jinja blocks as SQL's:
-- noqa: disable=LT02
{%- set url_models = {} -%}
{%- for source in listing_sources() -%}
    {%- set url_model = context.get('stg_' ~ source ~ '_photo_urls') -%}
    {%- if url_model is not none -%}
        {%- do url_models.update({source: url_model()}) -%}
    {%- endif -%}
{%- endfor %}
{%- set window = incremental_window(stamped=[ref('int_listing_timeline')]) %}
-- noqa: enable=LT02

with

{% if window.since is not none -%}
changed_listings as (

    {{ changed_listings(window) }}

),

{% endif -%}

latest_sequence as (

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
        timeline.source,
        timeline.account_id,
        timeline.source_listing_id,
        timeline.load_id,
        timeline.photos
    from {{ ref('int_listing_timeline') }} as timeline
    inner join latest_sequence
        on latest_sequence.listing_key = timeline.listing_key
        and latest_sequence.sequence_number = timeline.sequence_number

),

listed_photos as (

    {{ json_list_rows(
        'latest_version',
        ['listing_key', 'source', 'account_id', 'source_listing_id', 'load_id'],
        'photos',
        {'position': 'integer', 'url': 'varchar'}
    ) }}

),

unlisted_urls as (

    {% for source, url_model in url_models.items() -%}
    select
        source,
        account_id,
        source_listing_id,
        load_id,
        position,
        source_url
    from {{ url_model }}
    union all
    {% endfor -%}
    select
        cast(null as varchar) as source,
        cast(null as varchar) as account_id,
        cast(null as varchar) as source_listing_id,
        cast(null as varchar) as load_id,
        cast(null as integer) as position,  -- noqa: RF04
        cast(null as varchar) as source_url
    where false

)

select
    listed_photos.listing_key,
    listed_photos.source,
    listed_photos.account_id,
    listed_photos.position,
    coalesce(listed_photos.url, unlisted_urls.source_url) as source_url,
    {% if url_models -%}
    listed_photos.source in ('{{ url_models.keys() | join("', '") }}') as hotlinking_forbidden
    {%- else -%}
    false as hotlinking_forbidden
    {%- endif %}
from listed_photos
left join unlisted_urls
    on unlisted_urls.source = listed_photos.source
    and unlisted_urls.account_id = listed_photos.account_id
    and unlisted_urls.source_listing_id = listed_photos.source_listing_id
    and unlisted_urls.load_id = listed_photos.load_id
    and unlisted_urls.position = listed_photos.position
where coalesce(listed_photos.url, unlisted_urls.source_url) is not null
