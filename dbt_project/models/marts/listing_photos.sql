{#- One row per photo of each listing's latest version, in display order. AvaroAI forbids
    hotlinking, so its photos come without a URL (staging drops it). -#}
with

versions_newest_first as (

    select
        listing_key,
        photos,
        row_number() over (partition by listing_key order by sequence_number desc) as recency
    from {{ ref('int_listing_timeline') }}
    where not is_removal

),

latest_version as (

    select listing_key, photos
    from versions_newest_first
    where recency = 1

),

photos as (

    select
        latest_version.listing_key,
        photo.position,
        photo.url,
        photo.caption,
        photo.is_floor_plan,
        photo.width,
        photo.height
    from latest_version
    cross join {{ json_list_rows('latest_version.photos', {
        'position': 'integer',
        'url': 'varchar',
        'caption': 'varchar',
        'is_floor_plan': 'boolean',
        'width': 'integer',
        'height': 'integer'
    }) }} as photo

)

select listing_key, position, url, caption, is_floor_plan, width, height
from photos
