{#- AvaroAI: the parking types of each listing version ("parking: List of parking types available
    (e.g. Garage, Driveway)", avaroai.txt:59, :114), one row each; mapped to unified features by
    the crosswalk_features seed downstream. `custom_fields` (avaroai.txt:71-73, :126) hold an
    organisation's own keys (a habitation licence year), not features: not read. -#}
with

source as (

    {{ listing_rows('raw_avaroai') }}

),

versions as (

    select * from source
    where not is_removal

),

parking as (

    {{ json_array_rows(
        'versions',
        ['account_id', 'source_listing_id', 'observed_at', '_dlt_load_id'],
        'payload', 'parking', 'varchar', 'parking_type'
    ) }}

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

        ---------- the feature as the provider names it
        'parking' as source_field,
        trim(parking_type) as source_feature

    from parking
    where nullif(trim(parking_type), '') is not null

)

select * from renamed
