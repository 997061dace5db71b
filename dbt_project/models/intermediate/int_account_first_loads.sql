{#- The first load of each account (an agency, store, search or key added later has its own): what it
    found was on the market before the pipeline watched, so its first versions are not new listings
    (listing_events). The load of the account's earliest row, the smaller load id on a tie.

    One row per account, from the whole timeline (a small aggregate). Incremental: a build writes only
    the accounts whose first load is new or changed (dlt may commit an older load later), stamped
    (rebuilt_at): listing_events then rebuilds those accounts' listings, although their own rows did
    not change. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source', 'account_id'],
    on_schema_change='append_new_columns'
) }}

with

timeline as (

    select
        source,
        account_id,
        observed_at,
        load_id
    from {{ ref('int_listing_timeline') }}

),

first_rows as (

    select
        source,
        account_id,
        min(observed_at) as first_observed_at
    from timeline
    group by source, account_id

),

first_loads as (

    select
        timeline.source,
        timeline.account_id,
        min(timeline.load_id) as first_load_id
    from timeline
    inner join first_rows
        on first_rows.source = timeline.source
        and first_rows.account_id = timeline.account_id
        and first_rows.first_observed_at = timeline.observed_at
    group by timeline.source, timeline.account_id

)

select
    first_loads.source,
    first_loads.account_id,
    first_loads.first_load_id,
    {{ build_stamp() }} as rebuilt_at
from first_loads
{%- if is_incremental() %}
where not exists (
    select 1
    from {{ this }} as built
    where
        built.source = first_loads.source
        and built.account_id = first_loads.account_id
        and built.first_load_id = first_loads.first_load_id
)
{%- endif %}
