"""Analysts' helpers: the published marts as pandas DataFrames.

    from orchestration.analyst import query, mart, example
    listings = mart("listings")
    query("select city, count(*) as listings from marts.listings group by city order by 2 desc")
    example("price_drops_this_week")

Everything reads the serving file (``LISTINGS_SERVING_PATH``, default ``data/serving.duckdb``),
read-only: it never blocks a load and always shows one complete build. ``query``, ``mart`` and
``example`` connect afresh each call, so each sees the latest publish; a connection from
``connect`` keeps the build it opened, and while it is open DuckDB hands the same snapshot to every
other connection of this process to that file. Close it to see newer builds.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from orchestration.settings import serving_path

EXAMPLES = {
    "price_drops_this_week": """
        select listings.listing_key, listings.source, listings.city, history.previous_price,
               history.list_price, history.currency, history.price_change_pct, history.valid_from
        from marts.listing_price_history as history
        join marts.listings using (listing_key)
        where history.price_change < 0
          and history.valid_from >= current_date - interval 7 day
        order by history.price_change_pct, history.listing_key
    """,
    "median_price_per_sqm_by_city": """
        select country_code, city, currency, count(*) as listings,
               round(median(list_price / living_area_sqm), 2) as median_price_per_sqm
        from marts.listings
        where listing_type = 'sale' and is_available and living_area_sqm > 0 and list_price is not null
        group by all
        having count(*) >= 3
        order by median_price_per_sqm desc, city
    """,
    "days_on_market_by_status": """
        select status, count(*) as listings, median(days_on_market) as median_days_on_market,
               round(avg(days_on_market), 1) as mean_days_on_market, max(days_on_market) as max_days_on_market
        from marts.listings
        group by status
        order by listings desc, status
    """,
}


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the serving file."""
    path = path or serving_path()
    if not path.exists():
        raise FileNotFoundError(f"no serving file at {path}: run `listings run` or `listings demo` to publish one")
    return duckdb.connect(str(path), read_only=True)


def query(sql: str, parameters: list | None = None, path: Path | None = None) -> pd.DataFrame:
    with connect(path) as connection:
        return connection.execute(sql, parameters).df()


def mart(name: str, path: Path | None = None) -> pd.DataFrame:
    """A whole mart: ``listings``, ``listing_price_history``, ``listing_events`` or ``listing_photos``."""
    return query(f"from marts.{duckdb_identifier(name)}", path=path)


def example(name: str, path: Path | None = None) -> pd.DataFrame:
    """One of the README's example queries, by name (see ``EXAMPLES``)."""
    return query(EXAMPLES[name], path=path)


def duckdb_identifier(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a mart name")
    return name
