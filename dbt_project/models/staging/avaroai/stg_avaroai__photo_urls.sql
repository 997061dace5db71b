{#- The source URL of every photo of each committed AvaroAI payload version, for the photo mirror
    only. AvaroAI forbids hotlinking (avaroai.txt:143-149), so stg_avaroai__listings drops these
    URLs and no mart publishes them; the mirror downloads each once and the marts carry the copy.

    Positions follow stg_avaroai__listings' photos exactly (the same sort: `index`, avaroai.txt:131,
    :136, then the photo's place in the list), so a URL lands on the mart's row of its photo. The
    `large` URL is the one mirrored: "URL to the full-size image" (avaroai.txt:138); `small` (:139),
    the thumbnail, can be made from it. -#}
with

source as (

    {{ listing_rows('raw_avaroai') }}

),

payload as (

    {{ json_columns('source', 'payload', {
        'photos': [{'index': 'integer', 'large': 'varchar'}]
    }) }}

),

ordered as (

    select
        account_id,
        source_listing_id,
        _dlt_load_id as load_id,
        -- noqa: disable=PRS
        {{ json_list(list_transform(
            list_sort(list_transform(
                'photos',
                'photo',
                record({
                    'sort_index': 'coalesce(' ~ cast_or_null(record_field('photo', 'index'), 'integer') ~ ', ordinal - 1)',
                    'ordinal': 'ordinal',
                    'large': record_field('photo', 'large')
                }),
                position='ordinal'
            ), by=['sort_index', 'ordinal', 'large']),
            'photo',
            record({
                'position': cast_or_null('position', 'integer'),
                'url': cast_or_null(record_field('photo', 'large'), 'varchar')
            }),
            position='position'
        )) }} as photo_urls
        -- noqa: enable=PRS
    from payload
    where not is_removal

),

photos as (

    {{ json_list_rows('ordered', ['account_id', 'source_listing_id', 'load_id'], 'photo_urls', {
        'position': 'integer',
        'url': 'varchar'
    }) }}

)

select
    'avaroai' as source,
    account_id,
    source_listing_id,
    load_id,
    position,
    nullif(trim(url), '') as source_url
from photos
