{#- The log of the incremental builds downstream of int_listing_timeline: each such model adds its
    row in a post-hook (record_incremental_build, macros/incremental_listings.sql), in the same
    transaction as its rows. This model only creates the table; a --full-refresh empties it, and the
    models after it then rebuild every listing. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns') }}

select
    cast(null as varchar) as model_name,
    cast(null as timestamp with time zone) as rebuilt_up_to,
    cast(null as varchar) as model_checksum,
    cast(null as timestamp with time zone) as built_at
where false
