-- A failure means a listing had two prices at once: a period starts before the previous one ends.
select
    current_period.listing_key,
    current_period.valid_from
from {{ ref('listing_price_history') }} as current_period
inner join {{ ref('listing_price_history') }} as other_period
    on other_period.listing_key = current_period.listing_key
    and other_period.valid_from <> current_period.valid_from
    and (current_period.valid_to is null or other_period.valid_from < current_period.valid_to)
    and (other_period.valid_to is null or other_period.valid_to > current_period.valid_from)
