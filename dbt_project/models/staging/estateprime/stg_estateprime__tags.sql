with

source as (

    {{ committed_rows('raw_estateprime', 'tags') }}

),

renamed as (

    select
        ---------- ids and lineage
        'estateprime' as source,
        account_id,  -- the store id: a store may define its own tags
        source_record_id as tag_id,  -- the integer id listings carry in `tags`, as text
        is_removal,
        observed_at,
        _dlt_load_id as load_id,

        ---------- label
        cast(payload as json) ->> 'name' as tag_name

    from source

)

select * from renamed
