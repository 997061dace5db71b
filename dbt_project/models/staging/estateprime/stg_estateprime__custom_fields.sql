with

source as (

    {{ committed_rows('raw_estateprime', 'custom_fields') }}

),

-- The definition's fields, in one parse of the payload (see json_columns).
payload as (

    {{ json_columns('source', 'payload', {
        'name': 'varchar',
        'type': 'varchar',
        'options': [{'id': 'integer', 'name': 'varchar'}]
    }) }}

),

renamed as (

    select
        ---------- ids and lineage
        'estateprime' as source,
        account_id,  -- the store id: a store may define its own custom fields
        source_record_id as custom_field_id,  -- the integer id, as text
        is_removal,
        observed_at,
        _dlt_load_id as load_id,

        ---------- definition
        name as custom_field_name,
        -- text, select, select_multi, checkbox, ... (21 documented)
        type as custom_field_type,
        -- select and select_multi only: [{id, name}] in the provider's order; null for other types
        to_json(options) as custom_field_options

    from payload

)

select * from renamed
