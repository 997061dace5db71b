with

source as (

    {{ committed_rows('raw_estateprime', 'custom_fields') }}

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
        payload ->> '$.name' as custom_field_name,
        payload ->> '$.type' as custom_field_type,  -- text, select, select_multi, checkbox, ... (21 documented)
        -- select and select_multi only: [{id, name}] in the provider's order; null for other types
        cast(
            json_transform(payload -> '$.options', '[{"id": "INTEGER", "name": "VARCHAR"}]') as json
        ) as custom_field_options

    from source

)

select * from renamed
