with

source as (

    {{ committed_rows('raw_estateprime', 'sources') }}

),

renamed as (

    select
        ---------- ids and lineage
        'estateprime' as source,
        account_id,  -- the store id: a store may define its own sources
        source_record_id as listing_source_id,  -- the integer id listings carry in `source_id`, as text
        is_removal,
        observed_at,
        _dlt_load_id as load_id,

        ---------- label
        cast(payload as json) ->> 'name' as listing_source_name

    from source

)

select * from renamed
