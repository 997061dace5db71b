{#- Apimo: the user (agent) and the agency (office) of each listing version.

    `user` is documented as an object (apimo.txt:47-63: id, agency, firstname, lastname, email,
    phone, mobile, birthday_at, ...) but the document's own example sends the user's id alone
    (`"user":10`, apimo.txt:240): both are read, the id from either. The name is firstname and
    lastname (apimo.txt:53-54). Contact data is not kept: the document does not say the user's
    email or phones (apimo.txt:57-60) are public, and the API is the agency's own, private one
    (apimo.txt:5); birthday, picture and the rest are personal. The office is the property's
    `agency` ("Unique ID of the agency", apimo.txt:46), or, where a record does not send it (the
    example), the agency whose list it came from (`{agency_id}`, apimo.txt:31: the account). The
    user's own `agency` (apimo.txt:49, "can be different from {agency_id}") is not the listing's
    office. -#}
with

source as (

    {{ listing_rows('raw_apimo') }}

),

versions as (

    select * from source
    where not is_removal

),

-- `user` read as text in the one parse of each payload: the document's object as JSON text, or the
-- example's id alone (apimo.txt:240); then the object's fields, from that small text
payload as (

    {{ json_columns('versions', 'payload', {'agency': 'varchar', 'user': 'varchar'}) }}

),

users as (

    -- qualified: unqualified, `user` is PostgreSQL's current_user
    select
        payload.*,
        case when substr(ltrim(payload.user), 1, 1) = '{' then payload.user end as user_object,  -- noqa: RF04
        case when substr(ltrim(payload.user), 1, 1) <> '{' then payload.user end as user_scalar  -- noqa: RF04
    from payload

),

parsed as (

    {{ json_columns('users', 'user_object', {'id': 'varchar', 'firstname': 'varchar', 'lastname': 'varchar'}) }}

),

renamed as (

    select
        ---------- ids and lineage
        'apimo' as source,
        'apimo' as provider,
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id as load_id,

        ---------- the agent: user.id (apimo.txt:48) or the user id alone (apimo.txt:240)
        cast(1 as integer) as agent_position,
        nullif(trim(coalesce(id, user_scalar)), '') as source_agent_id,
        nullif(trim(concat_ws(' ', nullif(trim(firstname), ''), nullif(trim(lastname), ''))), '') as agent_name,
        cast(null as varchar) as agent_email,
        cast(null as varchar) as agent_phone,

        ---------- the office: the agency (apimo.txt:46), else the account's agency (apimo.txt:31)
        coalesce(nullif(trim(agency), ''), account_id) as source_office_id,
        cast(null as varchar) as office_name,
        cast(null as varchar) as office_email,
        cast(null as varchar) as office_phone,
        cast(null as varchar) as office_logo_url

    from parsed

)

select * from renamed
