-- A warning lists the records the latest load of each source kept aside as malformed (see
-- int_quarantined_records for the record whole). The load went on without them and their listings
-- keep their last good version; the warning clears with the next load that brings none.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_quarantined_records'}}}) }}

with

latest_load as (

    select
        source,
        load_id
    from (
        select
            source,
            load_id,
            row_number() over (partition by source order by loaded_at desc) as recency
        from {{ ref('int_source_loads') }}
    ) as loads
    where recency = 1

)

select
    quarantined.source,
    quarantined.account_id,
    quarantined.source_record_id,
    quarantined.field,
    quarantined.reason
from {{ ref('int_quarantined_records') }} as quarantined
inner join latest_load using (source, load_id)
