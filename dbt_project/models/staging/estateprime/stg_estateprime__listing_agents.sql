{#- EstatePrime: the agents and the office of each listing version. `users` is "A list of user IDs
    (agents) responsible for the listing" (estateprime.txt:246, example [3, 8] at :119) and
    `store_id` "The ID of the office/store that owns the listing" (estateprime.txt:147). A user is an
    id only: the document has no users endpoint, so no name or contact. One row per user, in the
    list's order (agent_position: the first is the listing's primary agent downstream, a reading:
    the document gives the list no order), or one row without an agent where `users` is empty, so
    the office is kept. -#}
with

source as (

    {{ listing_rows('raw_estateprime') }}

),

versions as (

    select * from source
    where not is_removal

),

payload as (

    {{ json_columns('versions', 'payload', {'store_id': 'varchar', 'users': ['varchar']}) }}

),

-- kept (materialized) without the payload text: read twice below, and DuckDB would otherwise parse
-- every payload once for each read
fields as materialized (

    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        store_id,
        users
    from payload

),

users as (

    {{ list_rows(
        'fields', ['account_id', 'source_listing_id', 'observed_at', '_dlt_load_id', 'store_id'], 'users', 'user_id'
    ) }}

),

agent_rows as (

    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        store_id,
        user_id_position as agent_position,
        user_id
    from users
    union all
    -- a version naming no user keeps its office
    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        store_id,
        cast(null as integer) as agent_position,
        cast(null as varchar) as user_id
    from fields
    where coalesce({{ list_length('users') }}, 0) = 0

),

renamed as (

    select
        ---------- ids and lineage
        'estateprime' as source,
        'estateprime' as provider,
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id as load_id,

        ---------- the agent: a user id only (estateprime.txt:246)
        agent_position,
        nullif(trim(user_id), '') as source_agent_id,
        cast(null as varchar) as agent_name,
        cast(null as varchar) as agent_email,
        cast(null as varchar) as agent_phone,

        ---------- the office: the store (estateprime.txt:147), an id only
        nullif(trim(store_id), '') as source_office_id,
        cast(null as varchar) as office_name,
        cast(null as varchar) as office_email,
        cast(null as varchar) as office_phone,
        cast(null as varchar) as office_logo_url

    from agent_rows

)

select * from renamed
