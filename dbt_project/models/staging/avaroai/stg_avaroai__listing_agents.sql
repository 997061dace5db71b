{#- AvaroAI: the team member who manages each listing version. The document gives only a name
    ("coordinator: Name of the team member managing the listing", avaroai.txt:52, :107): no id, no
    contact and no office, so the name is the agent's identifier. -#}
with

source as (

    {{ listing_rows('raw_avaroai') }}

),

versions as (

    select * from source
    where not is_removal

),

payload as (

    {{ json_columns('versions', 'payload', {'coordinator': 'varchar'}) }}

),

renamed as (

    select
        ---------- ids and lineage
        'avaroai' as source,
        'avaroai' as provider,
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id as load_id,

        ---------- the agent: a name only (avaroai.txt:52, :107)
        cast(1 as integer) as agent_position,
        nullif(trim(coordinator), '') as source_agent_id,
        nullif(trim(coordinator), '') as agent_name,
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
