{#- One row per listing of marts.listings: the real-world home (property) it is a listing of, and the
    strongest rule that put it there (int_property_matches). A listing no rule joined to another is
    a property of its own (match_rule unique). -#}
with

listings as (

    select * from {{ ref('listings') }}

),

components as (

    select * from {{ ref('int_property_components') }}

),

matches as (

    select * from {{ ref('int_property_matches') }}

),

-- each match seen from both of its listings
listing_matches as (

    select
        listing_key,
        match_rule,
        match_confidence
    from matches
    union all
    select
        matched_listing_key as listing_key,
        match_rule,
        match_confidence
    from matches

),

-- a listing's strongest match: an MLS number first, then the highest confidence
strongest_match as (

    select
        listing_key,
        match_rule,
        match_confidence,
        row_number() over (
            partition by listing_key
            order by case when match_rule = 'mls_number' then 0 else 1 end, match_confidence desc
        ) as strength
    from listing_matches

),

final as (

    select
        listings.listing_key,
        -- the smallest digest of its component's keys; the digest of its own key when it matched none
        coalesce(components.component_key, md5(listings.listing_key)) as property_key,
        listings.source,
        listings.country_code,
        coalesce(strongest_match.match_rule, 'unique') as match_rule,
        cast(coalesce(strongest_match.match_confidence, 1.0) as double precision) as match_confidence
    from listings
    left join components using (listing_key)
    left join strongest_match
        on strongest_match.listing_key = listings.listing_key
        and strongest_match.strength = 1

)

select * from final
