"""How well marts.property_listings finds the same home across sources: pairwise precision and recall
against the sandbox's truth (``home_id``), for the README.

    .venv/bin/listings demo
    .venv/bin/python scripts/property_match_quality.py [--warehouse PATH] [--seed N --day N]

By default it scores the last demo's warehouse (its data folder's warehouse and ``demo.json``, which
names the demo's seed and the simulated day it ended on). The sandbox is deterministic, so the same
seed, advanced to the same day, tells the truth of every listing the demo loaded: no server is
started, and nothing is fetched. A pair of listings counts as matched when the mart gives both one
property_key, as true when the truth gives both one home_id; over the listings both know.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

from listings_sandbox import Sandbox
from listings_sandbox.demo import demo_record, demo_sandbox_config
from listings_sandbox.homes import MatchQuality, match_quality
from orchestration.settings import warehouse_path

ListingId = tuple[str, str, str]  # source, account, source listing id


def truth_homes(seed: int, day: int) -> dict[ListingId, str]:
    """Every listing the demo's sandbox created by ``day`` -> the real-world home it is."""
    sandbox = Sandbox(demo_sandbox_config(seed))  # never started: the worlds alone hold the truth
    for _ in range(day):
        sandbox.advance_day()
    return {
        (host, record["account_id"], record["source_listing_id"]): record["home_id"]
        for host in sandbox.apps
        for record in sandbox.truth(host)
    }


def mart_properties(warehouse: Path) -> dict[ListingId, str]:
    """Every listing of the warehouse's marts -> the property marts.property_listings gives it."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("""
            select listings.source, listings.account_id, listings.source_listing_id, property_listings.property_key
            from marts.property_listings
            inner join marts.listings using (listing_key)
        """).fetchall()
    return {(source, account, listing_id): key for source, account, listing_id, key in rows}


def measure(warehouse: Path, seed: int, day: int) -> MatchQuality:
    return match_quality(truth_homes(seed, day), mart_properties(warehouse))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, help="a DuckDB warehouse (default: the data folder's)")
    parser.add_argument("--seed", type=int, help="the sandbox seed the warehouse was loaded from (default: the demo's)")
    parser.add_argument("--day", type=int, help="the simulated day it ended on (default: the demo's)")
    args = parser.parse_args()
    if args.seed is None or args.day is None:
        record = demo_record()
        if not record.exists():
            raise SystemExit(f"no demo has run in {record.parent}: run `listings demo`, or give --seed and --day")
        demo = json.loads(record.read_text())
        args.seed = demo["seed"] if args.seed is None else args.seed
        args.day = demo["last_day"] if args.day is None else args.day
    quality = measure(args.warehouse or warehouse_path(), args.seed, args.day)
    print(f"property matching against the sandbox truth (seed {args.seed}, day {args.day}): {quality}")


if __name__ == "__main__":
    main()
