{#- What happened to each listing, one row per event, read from consecutive raw rows: its first
    version (new_listing, or already_listed when the pipeline met it in the first load of its
    account), each change of price or unified status, each removal and each return.

    Incremental (delete+insert on listing_key): a build rebuilds the listings whose timeline rows
    were written since its last build, and those whose account's first load changed
    (int_account_first_loads; macros/incremental_listings.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='listing_key',
    pre_hook="{{ delete_changed_listings(stamped=[ref('int_listing_timeline'), ref('int_account_first_loads')], first_loads=true) }}",
    post_hook="{{ record_incremental_build(stamped=[ref('int_listing_timeline'), ref('int_account_first_loads')]) }}"
) }}
-- depends_on: {{ ref('int_incremental_builds') }}
{%- set window = incremental_window(stamped=[ref('int_listing_timeline'), ref('int_account_first_loads')]) %}

with

{% if window.since is not none -%}
changed_listings as (

    {{ changed_listings(window, first_loads=true) }}

),

{% endif -%}
timeline_rows as (

    select *
    from {{ ref('int_listing_timeline') }}
    where {{ is_changed_listing(window) }}

),

rows_in_order as (

    select
        listing_key,
        sequence_number,
        is_removal,
        observed_at,
        status,
        list_price,
        lag(is_removal) over (partition by listing_key order by sequence_number) as follows_removal,
        -- the listing's previous version, skipping removal rows
        max(case when not is_removal then sequence_number end) over (
            partition by listing_key order by sequence_number rows between unbounded preceding and 1 preceding
        ) as previous_version_number
    from timeline_rows

),

-- The first load of each account: what it found was on the market before the pipeline watched, so
-- its first versions are not new listings (int_account_first_loads).
account_first_loads as (

    select * from {{ ref('int_account_first_loads') }}

),

first_versions as (

    select
        timeline.listing_key,
        timeline.load_id = account_first_loads.first_load_id as in_first_load
    from timeline_rows as timeline
    inner join account_first_loads
        on account_first_loads.source = timeline.source
        and account_first_loads.account_id = timeline.account_id
    where timeline.sequence_number = 1

),

timeline as (

    select
        rows_in_order.*,
        previous_version.status as previous_status,
        previous_version.list_price as previous_list_price
    from rows_in_order
    left join rows_in_order as previous_version
        on previous_version.listing_key = rows_in_order.listing_key
        and previous_version.sequence_number = rows_in_order.previous_version_number

),

events as (

    select
        timeline.listing_key,
        case when first_versions.in_first_load then 'already_listed' else 'new_listing' end as event_type,
        timeline.observed_at as event_at,
        null as old_value,
        cast(timeline.list_price as varchar) as new_value
    from timeline
    inner join first_versions using (listing_key)
    where timeline.sequence_number = 1

    union all

    select
        listing_key,
        'price_change' as event_type,
        observed_at as event_at,
        cast(previous_list_price as varchar) as old_value,
        cast(list_price as varchar) as new_value
    from timeline
    where
        not is_removal and sequence_number > 1
        and previous_list_price is distinct from list_price

    union all

    -- a provider's own deletion (a status the crosswalk maps to removed) is a removal, and a return from it is one too
    select
        listing_key,
        case
            when status = 'removed' then 'removed'
            when previous_status = 'removed' then 'back_on_market'
            else 'status_change'
        end as event_type,
        observed_at as event_at,
        previous_status as old_value,
        status as new_value
    from timeline
    where
        not is_removal and sequence_number > 1 and not follows_removal
        and previous_status is distinct from status

    union all

    select
        listing_key,
        'removed' as event_type,
        observed_at as event_at,
        previous_status as old_value,
        'removed' as new_value
    from timeline
    where is_removal

    union all

    select
        listing_key,
        'back_on_market' as event_type,
        observed_at as event_at,
        'removed' as old_value,
        status as new_value
    from timeline
    where not is_removal and follows_removal

)

select
    listing_key,
    event_type,
    event_at,
    old_value,
    new_value
from events
