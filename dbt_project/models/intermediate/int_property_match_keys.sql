{#- One row per listing (int_listing_states, the rows of marts.listings): what the property matching
    compares, normalised.

    mls_key: the MLS number, upper case, letters and digits only (MLS numbers are unique within
    their MLS, and US portals syndicate the same number; no non-US provider sends one).

    address_key: the street line, lower case, punctuation as spaces, the unit words dropped (Unit,
    Apt, Apartment, Suite, Ste, '#': "1234 Oak Ave Unit 4B", "1234 OAK AVENUE #4B" and "1234 Oak Ave
    Apt 4B" are one key) and USPS street suffixes abbreviated (Avenue -> ave, Street -> st, ...). A
    line without a house number (no digit) is too vague to match on (a street name alone names a
    whole street): its key is null. The number may come first (US, French) or last (Greek,
    "Ερμού 168"); letters of any script are kept, so a Greek street line never empties into its
    number. Street words are abbreviated in English only: an address written in two languages, or
    "avenue" against "av.", does not match.

    has_exact_coordinates: coordinates the provider gives as the home's own (location_is_exact), the
    only ones a distance is measured between. 

    A table: the matching joins it to itself twice (by MLS number, by address), and the
    normalisation is not worth computing four times. -#}
{{ config(materialized='table') }}
{%- set unit_words = ['unit', 'apt', 'apartment', 'suite', 'ste'] %}
{%- set street_suffixes = {
    'avenue': 'ave', 'street': 'st', 'drive': 'dr', 'boulevard': 'blvd', 'road': 'rd', 'lane': 'ln',
    'court': 'ct', 'place': 'pl', 'terrace': 'ter', 'parkway': 'pkwy', 'highway': 'hwy', 'circle': 'cir'
} %}
with

listings as (

    select * from {{ ref('int_listing_states') }}

),

-- the street line as words between single spaces, padded so that every word is ' word '
spaced as (

    select
        listing_key,
        ' ' || trim(regexp_replace(lower(address_line), '[[:punct:][:space:]]+', ' ', 'g')) || ' ' as words
    from listings
    where address_line is not null

),

unit_words_dropped as (

    select
        listing_key,
        regexp_replace(words, ' ({{ unit_words | join('|') }}) ', ' ', 'g') as words
    from spaced

),

-- one replace per suffix, innermost first
suffixes_abbreviated as (

    select
        listing_key,
        -- noqa: disable=LT02,LT05
        trim({% for word in street_suffixes %}replace({% endfor %}words{% for word, abbreviation in street_suffixes.items() %}, ' {{ word }} ', ' {{ abbreviation }} '){% endfor %}) as address_key
        -- noqa: enable=LT02,LT05
    from unit_words_dropped

),

final as (

    select
        listings.listing_key,
        listings.source,
        listings.country_code,
        nullif(upper(regexp_replace(listings.mls_number, '[^A-Za-z0-9]', '', 'g')), '') as mls_key,
        case
            when regexp_replace(suffixes_abbreviated.address_key, '[^0-9]', '', 'g') <> ''
                then suffixes_abbreviated.address_key
        end as address_key,
        -- a US ZIP+4 is its ZIP: portals write one home's postal code either way
        nullif(
            regexp_replace(lower(replace(listings.postal_code, ' ', '')), '^([0-9]{5})-[0-9]{4}$', '\\1'), ''
        ) as postal_key,
        coalesce(listings.location_is_exact, false)
        and listings.latitude is not null
        and listings.longitude is not null as has_exact_coordinates,
        listings.latitude,
        listings.longitude,
        listings.living_area_sqm,
        listings.bedrooms
    from listings
    left join suffixes_abbreviated using (listing_key)

)

select * from final
