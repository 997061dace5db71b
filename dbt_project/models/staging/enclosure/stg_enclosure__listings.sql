-- The columns the shared macro reads (macros/stg_enclosure_koto_listings.sql), then the analyst
-- attributes, none of which the API sends (enclosure_koto.txt:66-108 lists every field).
with

listings as (

    {{ stg_enclosure_koto_listings('enclosure') }}  -- noqa: PRS

)

select
    *,
    cast(null as decimal(18, 2)) as sold_price,  -- status is active or pending only (enclosure_koto.txt:73)
    cast(null as date) as sold_at,
    cast(null as decimal(18, 2)) as provider_original_list_price,
    cast(null as decimal(5, 2)) as rooms,  -- bedrooms and bathrooms only (enclosure_koto.txt:88-93)
    cast(null as varchar) as source_energy_class,
    cast(null as varchar) as source_greenhouse_gas_class,
    cast(null as decimal(4, 1)) as floor,
    cast(null as integer) as building_floors,
    cast(null as decimal(18, 2)) as monthly_running_costs,
    cast(null as decimal(18, 2)) as included_fees,
    cast(null as varchar) as source_condition,
    cast(null as integer) as year_renovated,
    cast(null as varchar) as source_tag_ids
from listings
