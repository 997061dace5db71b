{#- One row per photo of each listing's latest version, in display order. AvaroAI forbids
    hotlinking, so its photos come without a URL (staging drops it). -#}
with

latest_version as (

    select listing_key, photos
    from {{ ref('int_listing_timeline') }}
    where not is_removal
    qualify row_number() over (partition by listing_key order by sequence_number desc) = 1

),

photos as (

    select
        latest_version.listing_key,
        unnest(
            json_transform(
                latest_version.photos,
                '[{"position": "INTEGER", "url": "VARCHAR", "caption": "VARCHAR",
                   "is_floor_plan": "BOOLEAN", "width": "INTEGER", "height": "INTEGER"}]'
            ),
            recursive := true
        )
    from latest_version

)

select listing_key, position, url, caption, is_floor_plan, width, height
from photos
