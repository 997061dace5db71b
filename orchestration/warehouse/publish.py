"""Publishing: the marts copied, whole and at once, to a read-only serving file for readers.

Analysts and BI tools never open the warehouse: a reader there would block the next load (DuckDB
lets one process write, and no one read while it does) and could see a build half done. After each
build the marts are written to a new DuckDB file beside the serving file, which then replaces it in
one rename. A reader that holds the old file keeps reading the old, complete snapshot; the next
connection opens the new one. Optionally, the marts go to Parquet too: a new folder per publish,
and a ``current`` symlink swapped in one rename. The ``serving/marts`` asset
(``orchestration.defs.serving``) runs it after each build.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.platform.failpoints import failpoint
from orchestration.warehouse.resource import duckdb_memory_limit

# The latest version of each mart keeps the plain name; a deprecated older version (dbt model
# versions, see dbt_project/models/marts) is published beside it until its deprecation date.
MARTS = (
    "listings",
    "listing_price_history",
    "listing_events",
    "listing_photos",
    "listings_v1",
    "listing_price_history_v1",
    "listing_events_v1",
)
# What a mart shows when hidden prices are masked (LISTINGS_SERVING_HIDDEN_PRICES=mask): no amount
# the provider hid, nor a change measured from or to one. `{marts}` is the schema the marts are read
# from. The deprecated versions already show no hidden amount.
MASKED_HIDDEN_PRICES = {
    "listings": """
        select * replace (case when price_is_hidden then null else list_price end as list_price)
        from {marts}.listings
    """,
    "listing_price_history": """
        with periods as (
            select
                *,
                coalesce(lag(price_is_hidden) over (partition by listing_key order by valid_from), false)
                    as previous_price_is_hidden
            from {marts}.listing_price_history
        )
        select * exclude (previous_price_is_hidden) replace (
            case when price_is_hidden then null else list_price end as list_price,
            case when previous_price_is_hidden then null else previous_price end as previous_price,
            case when price_is_hidden or previous_price_is_hidden then null else price_change end as price_change,
            case when price_is_hidden or previous_price_is_hidden then null else price_change_pct end
                as price_change_pct
        )
        from periods
    """,
    # a price event's old price is the period that ends at it, its new price the one that starts at it
    "listing_events": """
        select events.* replace (
            case when ended.price_is_hidden then null else events.old_value end as old_value,
            case when started.price_is_hidden then null else events.new_value end as new_value
        )
        from {marts}.listing_events as events
        left join {marts}.listing_price_history as started
            on started.listing_key = events.listing_key and started.valid_from = events.event_at
            and events.event_type in ('new_listing', 'already_listed', 'price_change')
        left join {marts}.listing_price_history as ended
            on ended.listing_key = events.listing_key and ended.valid_to = events.event_at
            and events.event_type = 'price_change'
    """,
}
# BI tools bundle their own DuckDB, often a release behind ours: DuckDB 1.x cannot open a file in
# 2.0's default storage format, so the serving file is written in the oldest format still readable.
SERVING_STORAGE_VERSION = "v1.0.0"
PARQUET_SNAPSHOTS_KEPT = 3  # older ones may still be open in a reader; two publishes is long enough
PARQUET_SNAPSHOT_FORMAT = "%Y%m%dT%H%M%S%fZ"
PARQUET_SNAPSHOT_NAME = re.compile(r"\d{8}T\d{12}Z")


def mart_query(mart: str, schema: str, mask_hidden_prices: bool) -> str:
    """The query that publishes ``mart`` from ``schema``: the mart whole, or with hidden prices masked."""
    if mask_hidden_prices and mart in MASKED_HIDDEN_PRICES:
        return MASKED_HIDDEN_PRICES[mart].format(marts=schema)
    return f"from {schema}.{mart}"


def publish_duckdb(
    warehouse: Path, target: Path, *, mask_hidden_prices: bool = False, memory_limit: str | None = None
) -> dict[str, int]:
    """Copy the marts into a new file, then rename it over ``target``; returns rows per mart.
    Callers hold the warehouse lock, so a staging file found beside the target is a dead one's."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_staging(target.parent.glob(f".{target.name}.*.tmp*"))  # of a publish killed midway
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        # in memory, the connection spills (past the memory limit) beside the staging file, not into the cwd
        config = {"memory_limit": memory_limit or duckdb_memory_limit(), "temp_directory": f"{staging}.spill"}
        with duckdb.connect(config=config) as connection:
            connection.execute(f"attach '{staging}' as serving (storage_version '{SERVING_STORAGE_VERSION}')")
            connection.execute(f"attach '{warehouse}' as warehouse (read_only)")
            connection.execute("create schema serving.marts")
            counts = {}
            for mart in MARTS:
                query = mart_query(mart, "warehouse.marts", mask_hidden_prices)
                connection.execute(f"create table serving.marts.{mart} as {query}")
                counts[mart] = connection.execute(f"select count(*) from serving.marts.{mart}").fetchone()[0]
                failpoint("publish")
            connection.execute("detach warehouse")
            connection.execute("detach serving")  # checkpoints: the file is whole before the rename
        staging.chmod(0o444)  # readers only: nothing edits a published snapshot in place
        os.replace(staging, target)
    finally:
        remove_staging(target.parent.glob(f"{staging.name}*"))
    return counts


def remove_staging(paths: Iterable[Path]) -> None:
    """A publish's staging file, its WAL and its spill folder (DuckDB's temp_directory)."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def publish_parquet(
    warehouse: Path, folder: Path, *, mask_hidden_prices: bool = False, memory_limit: str | None = None
) -> Path:
    """One Parquet file per mart in a new snapshot folder; ``folder/current`` then points at it.

    The snapshot is written under a hidden name and renamed when whole, so neither ``current`` nor
    a reader listing the folder ever sees half a snapshot; pruning touches snapshot folders only.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".*.tmp"):  # of a publish killed midway
        shutil.rmtree(leftover)
    name = datetime.now(UTC).strftime(PARQUET_SNAPSHOT_FORMAT)
    staging = folder / f".{name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    try:
        config = {"memory_limit": memory_limit or duckdb_memory_limit()}
        with duckdb.connect(str(warehouse), read_only=True, config=config) as connection:
            for mart in MARTS:
                query = mart_query(mart, "marts", mask_hidden_prices)
                connection.execute(f"copy ({query}) to '{staging / mart}.parquet' (format parquet)")
        staging.rename(folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    link = folder / f".current.{uuid.uuid4().hex}"
    link.symlink_to(name)
    os.replace(link, folder / "current")
    for old in parquet_snapshots(folder)[:-PARQUET_SNAPSHOTS_KEPT]:
        if old.name != name:
            shutil.rmtree(old)
    return folder / "current"


def parquet_snapshots(folder: Path) -> list[Path]:
    """The published snapshot folders, oldest first (names sort by time)."""
    return sorted(path for path in folder.iterdir() if PARQUET_SNAPSHOT_NAME.fullmatch(path.name) and path.is_dir())
