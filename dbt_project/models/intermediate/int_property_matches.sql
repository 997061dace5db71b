{#- One row per pair of listings the matching rules say are the same real-world home (listing_key
    before matched_listing_key, so each pair once), with the strongest rule that joined them.

    Rules, never across countries:
    - mls_number: the same MLS number (int_property_match_keys.mls_key) in the same country and
      postal area (the postal codes' first three characters, where both have one). An MLS number
      names one listing of one home in its MLS, a regional board, and the portals that syndicate the
      listing carry it as it is. Confidence 1.0 when the two street lines also agree, else 0.9.
    - address_location: the same normalised street line, house number and unit included (address_key),
      and the same place: where both listings have exact coordinates, within 100 m of each other (two
      portals geocode one address from its rooftop, parcel or street segment, tens of metres apart;
      two homes with the same street line are towns apart, and next-door houses or another unit of
      the building differ in the line itself); where either has none (ActuallyCare sends none), the
      same postal code. And compatible: living areas within 10% of the larger (portals measure and
      round differently: sq ft to 10 or 50, or m2), bedrooms equal; an area or a bedroom count
      unknown on either side is no evidence against. Confidence 0.8, plus 0.1 when the place was
      checked by coordinates, 0.05 when both areas were compared and 0.05 when both bedroom counts were.
    A re-listing under a new id in the same source matches its earlier listing like any other pair:
    by its MLS number when it kept it, else by its address.

    Blocking: pairs are only formed within one country and one MLS number, or one country and one
    address_key, never by a cross join of all listings; a street line without a house number has no
    address_key and matches nothing by address.

    A table: the components and marts.property_listings both read it. -#}
{{ config(materialized='table') }}
with

match_keys as (

    select * from {{ ref('int_property_match_keys') }}

),

same_mls_number as (

    select
        listing.listing_key,
        other.listing_key as matched_listing_key,
        'mls_number' as match_rule,
        case when listing.address_key = other.address_key then 1.0 else 0.9 end as match_confidence
    from match_keys as listing
    inner join match_keys as other
        on other.country_code = listing.country_code
        and other.mls_key = listing.mls_key
        and other.listing_key > listing.listing_key
        -- an MLS number is unique within its MLS, which serves one region: the same number from
        -- another postal area (a ZIP's first three digits) is another board's, another home
        and (
            listing.postal_key is null
            or other.postal_key is null
            or left(listing.postal_key, 3) = left(other.postal_key, 3)
        )

),

same_address as (

    select
        listing.listing_key,
        other.listing_key as matched_listing_key,
        listing.has_exact_coordinates and other.has_exact_coordinates as is_located_by_coordinates,
        -- metres, on a sphere's tangent plane: exact enough below a few kilometres
        6371000.0 * sqrt(
            power(radians(other.latitude - listing.latitude), 2)
            + power(
                radians(other.longitude - listing.longitude) * cos(radians((listing.latitude + other.latitude) / 2)),
                2
            )
        ) as distance_m,
        listing.postal_key = other.postal_key as is_same_postal_code,
        case
            when listing.living_area_sqm is null or other.living_area_sqm is null then null
            else
                abs(listing.living_area_sqm - other.living_area_sqm)
                <= 0.1 * greatest(listing.living_area_sqm, other.living_area_sqm)
        end as has_compatible_area,
        case
            when listing.bedrooms is null or other.bedrooms is null then null
            else listing.bedrooms = other.bedrooms
        end as has_same_bedrooms
    from match_keys as listing
    inner join match_keys as other
        on other.country_code = listing.country_code
        and other.address_key = listing.address_key
        and other.listing_key > listing.listing_key

),

same_address_and_location as (

    select
        listing_key,
        matched_listing_key,
        'address_location' as match_rule,
        0.8
        + case when is_located_by_coordinates then 0.1 else 0 end
        + case when has_compatible_area is not null then 0.05 else 0 end
        + case when has_same_bedrooms is not null then 0.05 else 0 end as match_confidence
    from same_address
    where
        case when is_located_by_coordinates then distance_m <= 100 else coalesce(is_same_postal_code, false) end
        and coalesce(has_compatible_area, true)
        and coalesce(has_same_bedrooms, true)

),

both_rules as (

    select * from same_mls_number
    union all
    select * from same_address_and_location

),

-- the strongest rule for each pair: an MLS number first, then the higher confidence
ranked as (

    select
        *,
        row_number() over (
            partition by listing_key, matched_listing_key
            order by case when match_rule = 'mls_number' then 0 else 1 end, match_confidence desc
        ) as strength
    from both_rules

),

final as (

    select
        listing_key,
        matched_listing_key,
        match_rule,
        cast(match_confidence as double precision) as match_confidence
    from ranked
    where strength = 1

)

select * from final
