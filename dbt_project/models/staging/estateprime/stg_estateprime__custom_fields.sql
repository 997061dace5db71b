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
        {{ json_text('payload', 'name') }} as custom_field_name,
        -- text, select, select_multi, checkbox, ... (21 documented)
        {{ json_text('payload', 'type') }} as custom_field_type,
        -- select and select_multi only: [{id, name}] in the provider's order; null for other types
        {{ list_to_json(json_to_list(json_part('payload', 'options'), {'id': 'integer', 'name': 'varchar'})) }}
            as custom_field_options

    from source

)

select * from renamed
