{#- Every photo the mirror stored: one row per stored download (stg_photos__downloads), the latest
    of which for a source URL is that URL's copy in marts.listing_photos.

    Incremental: a build appends the stored rows of the mirror's committed loads it has not seen,
    stamped with the build's start (`rebuilt_at`, macros/incremental_listings.sql), so that
    marts.listing_photos rebuilds the listings whose photos got a copy since its own last build. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append'
) }}
-- noqa: disable=LT02
{%- set new_loads = [] -%}
{%- if is_incremental() and execute -%}
    {%- set unseen = run_query(
        "select distinct load_id from " ~ ref('stg_photos__downloads') ~ " where status = 'stored' "
        ~ dbt.except() ~ " select distinct load_id from " ~ this
    ) -%}
    {%- for row in unseen.rows -%}
        {%- do new_loads.append(row[0]) -%}
    {%- endfor -%}
{%- endif %}
-- noqa: enable=LT02

with

stored as (

    select
        source_url,
        source,
        listing_key,
        sha256,
        byte_size,
        width,
        height,
        image_format,
        stored_uri,
        fetched_at,
        load_id
    from {{ ref('stg_photos__downloads') }}
    where status = 'stored'
    {%- if is_incremental() %}
        and {% if new_loads %}load_id in ('{{ new_loads | join("', '") }}'){% else %}false{% endif %}
    {%- endif %}

)

select
    *,
    {{ build_stamp() }} as rebuilt_at
from stored
