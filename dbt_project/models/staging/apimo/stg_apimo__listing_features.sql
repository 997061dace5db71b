{#- Apimo: the services and the areas of each listing version, one row each, as the provider's
    codes; mapped to unified features by the crosswalk_features seed downstream.
    - `services` "Array of services" (apimo.txt:155; the example's [6,9,1,23], :240): catalogue ids
      the document does not name: each is `other` (the seed acknowledges the codes seen; a new one
      is surfaced by assert_every_source_feature_is_mapped);
    - `areas[].type` "Type of area (bedroom, shower room, garden, parking, ...)" (apimo.txt:177-178):
      codes the document names no table for. The seed says which are features (a terrace) and
      which are rooms (a bedroom: counted by `rooms`/`bedrooms`, no feature of the home), the
      latter left out of marts.listing_features.
    Not read: `proximities` (what is nearby, apimo.txt:156), `tags` (apimo.txt:157-159), `view`,
    `heating` and `water` (apimo.txt:136, :143-144: objects of undocumented codes). -#}
with

source as (

    {{ listing_rows('raw_apimo') }}

),

versions as (

    select * from source
    where not is_removal

),

-- Both arrays in one parse of each payload (json_columns), kept (materialized) without the payload
-- text: DuckDB would otherwise parse every payload once for each array read below.
payload as (

    {{ json_columns('versions', 'payload', {'services': ['varchar'], 'areas': [{'type': 'varchar'}]}) }}

),

arrays as materialized (

    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        services,
        areas
    from payload

),

services as (

    {{ list_rows('arrays', ['account_id', 'source_listing_id', 'observed_at', '_dlt_load_id'], 'services', 'service') }}

),

areas as (

    {{ list_rows('arrays', ['account_id', 'source_listing_id', 'observed_at', '_dlt_load_id'], 'areas', 'area') }}

),

observed as (

    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        'services' as source_field,
        service as source_feature
    from services
    union all
    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        'areas' as source_field,
        {{ record_field('area', 'type') }} as source_feature
    from areas

),

renamed as (

    select distinct
        ---------- ids and lineage
        'apimo' as source,
        'apimo' as provider,
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id as load_id,

        ---------- the feature as the provider's code
        source_field,
        trim(source_feature) as source_feature

    from observed
    where nullif(trim(source_feature), '') is not null

)

select * from renamed
