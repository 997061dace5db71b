"""The market report's numbers: per city and ISO week, read with SQL from the marts (marts.listings,
marts.listing_price_history, marts.listing_events), on DuckDB or PostgreSQL alike.

Time: the marts date what the pipeline observed (UTC), so a week is an ISO week in UTC (Monday
00:00 to the next Monday 00:00), and "at the week's end" means as of that next Monday 00:00; for
the week in progress, as of the latest load. The report covers the last ``REPORT_WEEKS`` weeks the
pipeline has watched, never a week before its first load (what was on the market then is unknown).

A listing's status at an instant is rebuilt from its status events (``status_change``, ``removed``
and ``back_on_market`` in marts.listing_events, each with the status it left and the one it
entered): before its first such event it had the status that event left (or, with none, the
status marts.listings shows), and after each event the status it entered; it exists from
``first_seen_at``. Its asking price at an instant is the marts.listing_price_history period open
then.

The SQL is plain SQL both engines run (``percentile_cont ... within group`` for medians, ``at time
zone 'UTC'`` before a cast to a date); the weeks are computed here and passed in as a VALUES list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

REPORT_WEEKS = 26  # half a year of weeks: enough for a trend, small enough to read as tables
# A listing with no city in the marts is kept, under this name, rather than left out of the counts
NO_CITY = "(no city)"
# Rents are compared per month: a rent quoted per another period is brought to a month's worth by
# the calendar's averages (a year is 12 months, 52 weeks or 365 days). A rent without a period (an
# EstatePrime `per_season` short-term rent, whose length is not fixed) has no monthly equivalent.
MONTHS_PER_PRICE_PERIOD = {"month": 1, "year": 1 / 12, "week": 52 / 12, "day": 365 / 12}
# The listing types whose asking prices are compared (short-term rents, auctions and `other` are
# counted in the inventory, new listings and price cuts, not in the medians of price per m²)
PRICED_LISTING_TYPES = ("sale", "rent")

# What each number means: the assets' descriptions, the page's definitions and the charts' subtitles
DEFINITIONS = {
    "median_price_per_sqm": (
        "Median asking price per m² of the active listings at the week's end: the price of the "
        "listing's price period open then (marts.listing_price_history) divided by its living area "
        "(living_area_sqm), for priced listings with a living area. Sales and long-term rents apart "
        "(a rent per month: a rent quoted per day, week or year is brought to a month by "
        "12 months = 52 weeks = 365 days), and one median per currency: currencies are never mixed. "
        "A price the provider hides counts, unless the serving file masks hidden prices "
        "(LISTINGS_SERVING_HIDDEN_PRICES=mask): a median of few listings would show it."
    ),
    "active_inventory": (
        "Listings on the market at the week's end: status active (rebuilt from the status events of "
        "marts.listing_events), every listing type, first seen by then."
    ),
    "new_listings": (
        "Listings first listed that week: marts.listing_events `new_listing` events, which exclude "
        "what the first load of an account found (`already_listed`: on the market before the "
        "pipeline watched)."
    ),
    "price_cuts": (
        "Price decreases observed that week: price periods of marts.listing_price_history starting "
        "that week at a lower amount than the listing's period before, in the same currency and price "
        "period (a change of currency or period is not a cut). Hidden prices count: hiding is not a change."
    ),
    "median_days_on_market": (
        "Median days on market of the active listings at the week's end (the active inventory): whole "
        "days from the listing's date (source_created_at, else first_seen_at, as marts.listings counts "
        "days_on_market) to the week's last day, Sunday, or to the latest load's day for the week in progress."
    ),
}


@dataclass(frozen=True)
class ReportWeek:
    """One ISO week of the report: Monday's date, and the instants it starts and ends (UTC)."""

    week_start: date
    reference_date: date  # the day days on market count to: Sunday, or the latest load's day

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.week_start, datetime.min.time(), UTC)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(days=7)

    @property
    def label(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass
class MarketMetrics:
    """The report's numbers: ``weekly`` (one row per city and week: active_inventory, new_listings,
    price_cuts, median_days_on_market) and ``prices`` (one row per city, week, listing type and
    currency: priced_listings, median_price_per_sqm), as of ``data_as_of``, the latest load."""

    weekly: pd.DataFrame
    prices: pd.DataFrame
    data_as_of: datetime | None
    weeks: list[ReportWeek]


def report_weeks(first_seen_at: datetime, data_as_of: datetime, count: int = REPORT_WEEKS) -> list[ReportWeek]:
    """The last ``count`` ISO weeks (UTC) up to the one holding ``data_as_of``, none before the one
    holding ``first_seen_at`` (the pipeline's first load)."""
    last_day = data_as_of.astimezone(UTC).date()
    first_monday = _monday(first_seen_at.astimezone(UTC).date())
    monday = _monday(last_day)
    weeks = []
    while monday >= first_monday and len(weeks) < count:
        weeks.append(ReportWeek(monday, min(monday + timedelta(days=6), last_day)))
        monday -= timedelta(days=7)
    return weeks[::-1]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def read_market_metrics(connection: Any, *, mask_hidden_prices: bool = False) -> MarketMetrics:
    """The report's numbers from the marts, through ``connection`` (``Warehouse.read``: DuckDB or
    PostgreSQL). ``mask_hidden_prices`` leaves prices a provider hides out of the medians (as the
    serving file leaves them out when it masks them): a median of few listings would show them."""
    import pandas as pd

    first_seen_at, data_as_of = _fetch(connection, _SPAN_SQL)[0]
    if first_seen_at is None:  # marts without a listing yet
        weekly = pd.DataFrame(columns=WEEKLY_COLUMNS)
        return MarketMetrics(weekly, pd.DataFrame(columns=PRICE_COLUMNS), None, [])
    weeks = report_weeks(first_seen_at, data_as_of)
    common = _common_ctes(weeks)
    weekly = _frame(connection, common + _WEEKLY_SQL, WEEKLY_COLUMNS)
    hidden = "and not history.price_is_hidden" if mask_hidden_prices else ""
    prices = _frame(connection, common + _PRICES_SQL.format(hidden_prices=hidden), PRICE_COLUMNS)
    labels = {week.week_start: week.label for week in weeks}
    for frame in (weekly, prices):
        frame.insert(0, "iso_week", frame["week_start"].map(labels))
    weekly = weekly.astype({"active_inventory": int, "new_listings": int, "price_cuts": int})
    prices = prices.astype({"priced_listings": int, "median_price_per_sqm": float})
    weekly["median_days_on_market"] = weekly["median_days_on_market"].astype(float)
    return MarketMetrics(weekly, prices, data_as_of, weeks)


WEEKLY_COLUMNS = [
    "week_start",
    "country_code",
    "city",
    "active_inventory",
    "new_listings",
    "price_cuts",
    "median_days_on_market",
]
PRICE_COLUMNS = [
    "week_start",
    "country_code",
    "city",
    "listing_type",
    "currency",
    "priced_listings",
    "median_price_per_sqm",
]


def _fetch(connection: Any, sql: str) -> list[tuple]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _frame(connection: Any, sql: str, columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(_fetch(connection, sql), columns=columns)
    frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    return frame


# The first load, and the latest instant the marts know of (a removal is seen after the last sighting)
_SPAN_SQL = """
select
    (select min(first_seen_at) from marts.listings) as first_seen_at,
    (
        select max(observed_at) from (
            select max(last_seen_at) as observed_at from marts.listings
            union all
            select max(event_at) from marts.listing_events
        ) as latest
    ) as data_as_of
"""


def _common_ctes(weeks: list[ReportWeek]) -> str:
    values = ",\n        ".join(
        f"(cast('{week.week_start}' as date), cast('{week.starts_at.isoformat()}' as timestamp with time zone), "
        f"cast('{week.ends_at.isoformat()}' as timestamp with time zone), cast('{week.reference_date}' as date))"
        for week in weeks
    )
    return f"""
with

weeks as (

    select * from (values
        {values}
    ) as report_weeks (week_start, starts_at, ends_at, reference_date)

),

places as (

    select
        listing_key,
        coalesce(country_code, '') as country_code,
        coalesce(city, '{NO_CITY}') as city
    from marts.listings

),

status_events as (

    select
        listing_key,
        event_at,
        old_value,
        new_value,
        -- two status events of a listing at one instant: ordered the same way on every run
        row_number() over (partition by listing_key order by event_at, event_type, new_value) as event_number
    from marts.listing_events
    where event_type in ('status_change', 'removed', 'back_on_market')

),

-- each listing's statuses over time: [span_from, span_to), span_to null for the current one
status_spans as (

    select
        listings.listing_key,
        listings.first_seen_at as span_from,
        first_event.event_at as span_to,
        coalesce(first_event.old_value, listings.status) as status
    from marts.listings
    left join status_events as first_event
        on first_event.listing_key = listings.listing_key
        and first_event.event_number = 1

    union all

    select
        status_events.listing_key,
        status_events.event_at as span_from,
        next_event.event_at as span_to,
        status_events.new_value as status
    from status_events
    left join status_events as next_event
        on next_event.listing_key = status_events.listing_key
        and next_event.event_number = status_events.event_number + 1

),

active_at_week_end as (

    select
        weeks.week_start,
        weeks.ends_at,
        weeks.reference_date,
        status_spans.listing_key
    from status_spans
    inner join weeks
        on status_spans.span_from < weeks.ends_at
        and (status_spans.span_to is null or status_spans.span_to >= weeks.ends_at)
    where status_spans.status = 'active'

)
"""


_WEEKLY_SQL = """,

inventory as (

    select
        places.country_code,
        places.city,
        active.week_start,
        count(*) as active_inventory,
        percentile_cont(0.5) within group (
            order by greatest(
                active.reference_date
                - cast(coalesce(listings.source_created_at, listings.first_seen_at) at time zone 'UTC' as date),
                0
            )
        ) as median_days_on_market
    from active_at_week_end as active
    inner join marts.listings on listings.listing_key = active.listing_key
    inner join places on places.listing_key = active.listing_key
    group by places.country_code, places.city, active.week_start

),

new_listings as (

    select
        places.country_code,
        places.city,
        weeks.week_start,
        count(*) as new_listings
    from marts.listing_events as events
    inner join weeks on events.event_at >= weeks.starts_at and events.event_at < weeks.ends_at
    inner join places on places.listing_key = events.listing_key
    where events.event_type = 'new_listing'
    group by places.country_code, places.city, weeks.week_start

),

price_steps as (

    select
        listing_key,
        valid_from,
        list_price,
        currency,
        price_period,
        previous_price,
        lag(currency) over listing_periods as previous_currency,
        lag(price_period) over listing_periods as previous_price_period
    from marts.listing_price_history
    window listing_periods as (partition by listing_key order by valid_from)

),

price_cuts as (

    select
        places.country_code,
        places.city,
        weeks.week_start,
        count(*) as price_cuts
    from price_steps
    inner join weeks on price_steps.valid_from >= weeks.starts_at and price_steps.valid_from < weeks.ends_at
    inner join places on places.listing_key = price_steps.listing_key
    where
        price_steps.list_price < price_steps.previous_price
        and price_steps.currency = price_steps.previous_currency
        and coalesce(price_steps.price_period, '') = coalesce(price_steps.previous_price_period, '')
    group by places.country_code, places.city, weeks.week_start

),

-- every city in every week, zeros included: a chart's line does not skip a quiet week
city_weeks as (

    select distinct
        places.country_code,
        places.city,
        weeks.week_start
    from places
    cross join weeks

)

select
    city_weeks.week_start,
    city_weeks.country_code,
    city_weeks.city,
    coalesce(inventory.active_inventory, 0) as active_inventory,
    coalesce(new_listings.new_listings, 0) as new_listings,
    coalesce(price_cuts.price_cuts, 0) as price_cuts,
    inventory.median_days_on_market
from city_weeks
left join inventory
    on inventory.country_code = city_weeks.country_code
    and inventory.city = city_weeks.city
    and inventory.week_start = city_weeks.week_start
left join new_listings
    on new_listings.country_code = city_weeks.country_code
    and new_listings.city = city_weeks.city
    and new_listings.week_start = city_weeks.week_start
left join price_cuts
    on price_cuts.country_code = city_weeks.country_code
    and price_cuts.city = city_weeks.city
    and price_cuts.week_start = city_weeks.week_start
order by city_weeks.week_start, city_weeks.country_code, city_weeks.city
"""

_MONTHLY_FACTOR = "case history.price_period {} end".format(
    " ".join(f"when '{period}' then {factor!r}" for period, factor in MONTHS_PER_PRICE_PERIOD.items())
)

_PRICES_SQL = (
    """,

prices_at_week_end as (

    select
        active.week_start,
        active.listing_key,
        listings.listing_type,
        history.currency,
        cast(history.list_price as double precision)
        * case when listings.listing_type = 'rent' then """
    + _MONTHLY_FACTOR
    + """ else 1 end
        / listings.living_area_sqm as price_per_sqm
    from active_at_week_end as active
    inner join marts.listings on listings.listing_key = active.listing_key
    inner join marts.listing_price_history as history
        on history.listing_key = active.listing_key
        and history.valid_from < active.ends_at
        and (history.valid_to is null or history.valid_to >= active.ends_at)
    where
        listings.listing_type in ("""
    + ", ".join(f"'{kind}'" for kind in PRICED_LISTING_TYPES)
    + """)
        and history.list_price > 0
        and history.currency is not null
        and listings.living_area_sqm > 0
        {hidden_prices}

)

select
    prices.week_start,
    places.country_code,
    places.city,
    prices.listing_type,
    prices.currency,
    count(*) as priced_listings,
    percentile_cont(0.5) within group (order by prices.price_per_sqm) as median_price_per_sqm
from prices_at_week_end as prices
inner join places on places.listing_key = prices.listing_key
where prices.price_per_sqm is not null
group by prices.week_start, places.country_code, places.city, prices.listing_type, prices.currency
order by prices.week_start, places.country_code, places.city, prices.listing_type, prices.currency
"""
)
