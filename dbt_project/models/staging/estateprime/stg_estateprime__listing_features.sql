{#- EstatePrime: the features of each listing version, one row each, as the provider names them;
    mapped to unified features by the crosswalk_features seed downstream. Read:
    - `features` "A list of general feature keys (e.g., elevator, storage, alarm)" (estateprime.txt:240, :113);
    - `view` "A list of view characteristic keys (e.g., sea_view, mountain_view)" (estateprime.txt:242, :115);
    - `garden` "Garden type. Possible values: shared, private, roof_garden" (estateprime.txt:190, :56);
    - `parking_garage` "Number of garage parking spaces" and `parking_total` "Total parking spaces"
      (estateprime.txt:185-186, :51-52): a count above 0 is the feature, named after its field (a
      garage's space counts in the total, so a garage is parking too).
    Not read, as no feature of the home: `positioning` (corner, seafront: where it stands,
    estateprime.txt:241), `flooring` (materials, :243) and `tags` (the store's own labels, such as
    "Urgent Sale" and "Price Reduced", estateprime.txt:244, :456-463). -#}
with

source as (

    {{ listing_rows('raw_estateprime') }}

),

versions as (

    select * from source
    where not is_removal

),

-- Every field read in one parse of each payload (json_columns)
payload as (

    {{ json_columns('versions', 'payload', {
        'features': ['varchar'],
        'view': ['varchar'],
        'garden': 'varchar',
        'parking_garage': 'integer',
        'parking_total': 'integer'
    }) }}

),

-- The fields without the payload, kept (materialized): DuckDB would otherwise inline the CTE into
-- each of the five reads below, parsing every payload five times (its filters too, pushed into
-- json_transform). Without the payload text (about 3 KB a version) in it: with it, and with the
-- rows below deduplicated straight from the unnests, a first build at 1M listings (176,000
-- EstatePrime versions) ran out of the build's memory (LISTINGS_DUCKDB_MEMORY_LIMIT).
fields as materialized (

    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        features,
        view,
        garden,
        parking_garage,
        parking_total
    from payload

),

-- a table of small rows (materialized), deduplicated below
observed as materialized (

    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        'features' as source_field,
        unnest(features) as source_feature
    from fields
    union all
    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        'view' as source_field,
        unnest(view) as source_feature
    from fields
    union all
    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        'garden' as source_field,
        garden as source_feature
    from fields
    union all
    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        'parking_garage' as source_field,
        'parking_garage' as source_feature
    from fields
    where parking_garage > 0
    union all
    select
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id,
        'parking_total' as source_field,
        'parking_total' as source_feature
    from fields
    where parking_total > 0

),

renamed as (

    select distinct
        ---------- ids and lineage
        'estateprime' as source,
        'estateprime' as provider,
        account_id,
        source_listing_id,
        observed_at,
        _dlt_load_id as load_id,

        ---------- the feature as the provider names it
        source_field,
        trim(source_feature) as source_feature

    from observed
    where nullif(trim(source_feature), '') is not null

)

select * from renamed
