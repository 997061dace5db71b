{{ config(meta={'dagster': {'ref': {'name': 'listing_price_history', 'version': 2}}}) }}
-- A failure means a listing has no current price row, or more than one.
select
    listings.listing_key,
    count(history.listing_key) as current_rows
from {{ ref('listings') }} as listings
left join {{ ref('listing_price_history') }} as history
    on history.listing_key = listings.listing_key and history.is_current
group by listings.listing_key
having count(history.listing_key) <> 1
