{#- The photo mirror's download attempts of committed loads (raw_photos.photo_downloads), typed.
    The mirror's table exists only once it has run: until then this model reads as empty, so a
    warehouse that never mirrored builds its marts all the same (with no stored copies). -#}
{%- set downloads = source('raw_photos', 'photo_downloads') -%}
{%- set loads = source('raw_photos', '_dlt_loads') -%}
{%- set landed = execute
    and adapter.get_relation(downloads.database, downloads.schema, downloads.identifier) is not none
    and adapter.get_relation(loads.database, loads.schema, loads.identifier) is not none -%}

with

{% if landed -%}
source as (

    {{ committed_rows('raw_photos', 'photo_downloads') }}

),

{% else -%}
source as (

    -- the mirror has not run yet: its columns, no rows
    select
        cast(null as varchar) as source,
        cast(null as varchar) as account_id,
        cast(null as varchar) as listing_key,
        cast(null as bigint) as position,  -- noqa: RF04
        cast(null as varchar) as source_url,
        cast(null as varchar) as status,
        cast(null as varchar) as failure_reason,
        cast(null as bigint) as http_status,
        cast(null as varchar) as etag,
        cast(null as varchar) as sha256,
        cast(null as bigint) as byte_size,
        cast(null as bigint) as width,
        cast(null as bigint) as height,
        cast(null as varchar) as image_format,
        cast(null as varchar) as stored_uri,
        cast(null as timestamp with time zone) as fetched_at,
        cast(null as varchar) as _dlt_load_id
    where false

),

{% endif -%}
renamed as (

    select
        ---------- which photo
        cast(source as varchar) as source,
        cast(account_id as varchar) as account_id,
        cast(listing_key as varchar) as listing_key,
        cast(position as integer) as position,  -- noqa: RF04
        cast(source_url as varchar) as source_url,

        ---------- the attempt
        cast(status as varchar) as status,
        cast(failure_reason as varchar) as failure_reason,
        cast(http_status as integer) as http_status,
        cast(etag as varchar) as etag,
        cast(fetched_at as timestamp with time zone) as fetched_at,
        cast(_dlt_load_id as varchar) as load_id,

        ---------- the stored copy
        cast(sha256 as varchar) as sha256,
        cast(byte_size as bigint) as byte_size,
        cast(width as integer) as width,
        cast(height as integer) as height,
        cast(image_format as varchar) as image_format,
        cast(stored_uri as varchar) as stored_uri

    from source

)

select * from renamed
