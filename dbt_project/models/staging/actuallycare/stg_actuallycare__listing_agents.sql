{#- ActuallyCare: the user a listing version belongs to. The document shows `user_id` (a UUID) in
    one example only (actuallycare.txt:216) and describes it nowhere: read as the listing's agent,
    an id with no name, contact or office. A list record of the summary shape (actuallycare.txt:48-59)
    has no user_id: no agent then. -#}
with

source as (

    {{ listing_rows('raw_actuallycare') }}

),

versions as (

    select * from source
    where not is_removal

),

payload as (

    {{ json_columns('versions', 'payload', {'user_id': 'varchar'}) }}

),

renamed as (

    select
        ---------- ids and lineage
        'actuallycare' as source,
        'actuallycare' as provider,
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id as load_id,

        ---------- the agent: an id only (actuallycare.txt:216)
        cast(1 as integer) as agent_position,
        nullif(trim(user_id), '') as source_agent_id,
        cast(null as varchar) as agent_name,
        cast(null as varchar) as agent_email,
        cast(null as varchar) as agent_phone,

        ---------- the office: none in the document
        cast(null as varchar) as source_office_id,
        cast(null as varchar) as office_name,
        cast(null as varchar) as office_email,
        cast(null as varchar) as office_phone,
        cast(null as varchar) as office_logo_url

    from payload

)

select * from renamed
