"""Publishing: the marts copied, whole and at once, to a read-only serving file for readers, and
(``LISTINGS_PUBLISH_TO``) to a schema of a PostgreSQL server that BI tools connect to natively.

Analysts and BI tools never open the warehouse: a reader there would block the next load (DuckDB
lets one process write, and no one read while it does) and could see a build half done. After each
build the marts are written to a new DuckDB file beside the serving file, which then replaces it in
one rename. A reader that holds the old file keeps reading the old, complete snapshot; the next
connection opens the new one. Optionally, the marts go to Parquet too: a new folder per publish,
and a ``current`` symlink swapped in one rename. The ``serving/marts`` asset
(``orchestration.defs.serving``) runs it after each build.

The PostgreSQL schema (``LISTINGS_SERVING_SCHEMA``, ``serving``) is built as a new schema and swapped
in within one transaction, with read-only grants to a role (``LISTINGS_SERVING_READER_ROLE``): a
reader sees the previous build or the new one, never half of one. The marts come from either engine:
copied by the server itself when the warehouse is PostgreSQL, through ``warehouse.transfer`` from a
DuckDB file. The serving file, likewise, is filled from either.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.platform.failpoints import failpoint
from orchestration.warehouse.resource import Warehouse, duckdb_memory_limit, postgres_credentials
from orchestration.warehouse.transfer import (
    duckdb_columns,
    duckdb_to_postgres,
    postgres_columns,
    postgres_to_duckdb,
    postgres_type,
    quoted,
)

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
    # the entity marts: no price column, so nothing to mask
    "agents",
    "offices",
    "listing_open_houses",
    "listing_features",
    # the same home across sources: no price column either
    "property_listings",
    "properties",
)
# What a mart shows when hidden prices are masked (LISTINGS_SERVING_HIDDEN_PRICES=mask): no amount
# the provider hid, nor a change measured from or to one. Per mart: the rows' FROM clause (alias
# `mart_rows`; `{marts}` the schema the marts are read from) and the columns it replaces; every other
# column is published as it is. SQL both engines run. The deprecated versions show no hidden amount.
MASKED_HIDDEN_PRICES: dict[str, tuple[str, dict[str, str]]] = {
    "listings": (
        """{marts}.listings as mart_rows
        left join (
            select listing_key, max(case when price_is_hidden then 1 else 0 end) = 1 as was_hidden
            from {marts}.listing_price_history
            group by listing_key
        ) as price_history on price_history.listing_key = mart_rows.listing_key""",
        {
            **{
                column: f"case when mart_rows.price_is_hidden then null else mart_rows.{column} end"
                # the amount, in the reporting currency too, and what tells it or goes with it: Apimo's
                # agency fees (a share of the price) and the price it sold at
                for column in ("list_price", "list_price_reporting", "agency_fees", "sold_price")
            },
            # the first price seen may be one hidden then and shown since
            "original_list_price": "case when mart_rows.price_is_hidden or price_history.was_hidden then null "
            "else mart_rows.original_list_price end",
        },
    ),
    "listing_price_history": (
        """(
            select
                history.*,
                coalesce(lag(history.price_is_hidden) over (
                    partition by history.listing_key order by history.valid_from
                ), false) as previous_price_is_hidden
            from {marts}.listing_price_history as history
        ) as mart_rows""",
        {
            **{
                column: f"case when mart_rows.price_is_hidden then null else mart_rows.{column} end"
                for column in ("list_price", "list_price_reporting")
            },
            "previous_price": (
                "case when mart_rows.previous_price_is_hidden then null else mart_rows.previous_price end"
            ),
            **{
                column: f"case when mart_rows.price_is_hidden or mart_rows.previous_price_is_hidden then null "
                f"else mart_rows.{column} end"
                for column in ("price_change", "price_change_pct")
            },
        },
    ),
    # a price event's old price is the period that ends at it, its new price the one that starts at it
    "listing_events": (
        """{marts}.listing_events as mart_rows
        left join {marts}.listing_price_history as started
            on started.listing_key = mart_rows.listing_key and started.valid_from = mart_rows.event_at
            and mart_rows.event_type in ('new_listing', 'already_listed', 'price_change')
        left join {marts}.listing_price_history as ended
            on ended.listing_key = mart_rows.listing_key and ended.valid_to = mart_rows.event_at
            and mart_rows.event_type = 'price_change'""",
        {
            "old_value": "case when ended.price_is_hidden then null else mart_rows.old_value end",
            "new_value": "case when started.price_is_hidden then null else mart_rows.new_value end",
        },
    ),
}
# BI tools bundle their own DuckDB, often a release behind ours: DuckDB 1.x cannot open a file in
# 2.0's default storage format, so the serving file is written in the oldest format still readable.
SERVING_STORAGE_VERSION = "v1.0.0"
PARQUET_SNAPSHOTS_KEPT = 3  # older ones may still be open in a reader; two publishes is long enough
PARQUET_SNAPSHOT_FORMAT = "%Y%m%dT%H%M%S%fZ"
PARQUET_SNAPSHOT_NAME = re.compile(r"\d{8}T\d{12}Z")


def mart_query(mart: str, schema: str, mask_hidden_prices: bool, columns: Sequence[tuple[str, str]]) -> str:
    """The query that publishes ``mart`` from ``schema``: the mart whole, or with hidden prices
    masked. ``columns``: the mart's (name, type), in order; a masked column keeps its type."""
    if not (mask_hidden_prices and mart in MASKED_HIDDEN_PRICES):
        return f"select * from {schema}.{mart}"
    source, masked = MASKED_HIDDEN_PRICES[mart]
    select = [
        f"cast({masked[name]} as {kind}) as {name}" if name in masked else f"mart_rows.{name}" for name, kind in columns
    ]
    return f"select {', '.join(select)} from {source.format(marts=schema)}"


def publish_duckdb(
    warehouse: Path | Warehouse, target: Path, *, mask_hidden_prices: bool = False, memory_limit: str | None = None
) -> dict[str, int]:
    """Copy the marts into a new file, then rename it over ``target``; returns rows per mart.
    ``warehouse``: a DuckDB file, or the warehouse (either engine). Callers hold the warehouse lock,
    so a staging file found beside the target is a dead one's."""
    if isinstance(warehouse, Path):
        warehouse = Warehouse(path=str(warehouse))
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_staging(target.parent.glob(f".{target.name}.*.tmp*"))  # of a publish killed midway
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        # in memory, the connection spills (past the memory limit) beside the staging file, not into the cwd;
        # a table's rows keep no order a reader may rely on, and writing them in any order lets both cores
        # compress the wide marts (at 1M listings, marts.listings in 2.8 s rather than 5.1 s)
        config = {
            "memory_limit": memory_limit or duckdb_memory_limit(),
            "temp_directory": f"{staging}.spill",
            "preserve_insertion_order": False,
        }
        with duckdb.connect(config=config) as connection:
            connection.execute(f"attach '{staging}' as serving (storage_version '{SERVING_STORAGE_VERSION}')")
            connection.execute("create schema serving.marts")
            if warehouse.on_postgres:
                counts = _marts_from_postgres(warehouse, connection, mask_hidden_prices)
            else:
                counts = _marts_from_duckdb(warehouse.database, connection, mask_hidden_prices)
            connection.execute("detach serving")  # checkpoints: the file is whole before the rename
        staging.chmod(0o444)  # readers only: nothing edits a published snapshot in place
        os.replace(staging, target)
    finally:
        remove_staging(target.parent.glob(f"{staging.name}*"))
    return counts


def _marts_from_duckdb(database: Path, connection: duckdb.DuckDBPyConnection, mask: bool) -> dict[str, int]:
    connection.execute(f"attach '{database}' as warehouse (read_only)")
    counts = {}
    for mart in MARTS:
        columns = duckdb_columns(connection, f"select * from warehouse.marts.{mart}")
        connection.execute(f"create table serving.marts.{mart} as {mart_query(mart, 'warehouse.marts', mask, columns)}")
        counts[mart] = connection.execute(f"select count(*) from serving.marts.{mart}").fetchone()[0]
        failpoint("publish")
    connection.execute("detach warehouse")
    return counts


def _marts_from_postgres(warehouse: Warehouse, connection: duckdb.DuckDBPyConnection, mask: bool) -> dict[str, int]:
    counts = {}
    with warehouse.read() as source, source.cursor() as cursor:
        for mart in MARTS:
            query = mart_query(mart, "marts", mask, _postgres_mart_columns(cursor, mart))
            counts[mart] = postgres_to_duckdb(cursor, query, connection, f"serving.marts.{mart}")
            failpoint("publish")
    return counts


def _postgres_mart_columns(cursor: Any, mart: str) -> list[tuple[str, str]]:
    """A mart's columns on PostgreSQL, with PostgreSQL's type names (for mart_query's casts)."""
    return [(name, postgres_type(kind)) for name, kind in postgres_columns(cursor, f"select * from marts.{mart}")]


def publish_postgres(
    warehouse: Warehouse, *, schema: str, reader_role: str, mask_hidden_prices: bool = False
) -> dict[str, int]:
    """The marts into a new schema of the PostgreSQL server (dlt's credentials), swapped in for
    ``schema`` in the same transaction that grants ``reader_role`` (created if missing, without
    login: BI users are granted it) usage and select; returns rows per mart."""
    import psycopg2  # only where a PostgreSQL server is configured

    staging = quoted(f"{schema}__publishing")
    credentials = postgres_credentials().to_native_representation()
    with psycopg2.connect(credentials) as connection, connection.cursor() as cursor:  # one transaction
        cursor.execute(f"drop schema if exists {staging} cascade")
        cursor.execute(f"create schema {staging}")
        counts = {}
        with ExitStack() as stack:
            if not warehouse.on_postgres:
                source = stack.enter_context(duckdb.connect(str(warehouse.database), read_only=True))
            for mart in MARTS:
                table = f"{staging}.{quoted(mart)}"
                if warehouse.on_postgres:
                    query = mart_query(mart, "marts", mask_hidden_prices, _postgres_mart_columns(cursor, mart))
                    cursor.execute(f"create table {table} as {query}")
                    counts[mart] = cursor.rowcount
                else:
                    columns = duckdb_columns(source, f"select * from marts.{mart}")
                    query = mart_query(mart, "marts", mask_hidden_prices, columns)
                    counts[mart] = duckdb_to_postgres(source, query, cursor, table)
                failpoint("publish")
        role = quoted(reader_role)
        cursor.execute("select 1 from pg_roles where rolname = %s", (reader_role,))
        if cursor.fetchone() is None:
            cursor.execute(f"create role {role} nologin")
        cursor.execute(f"grant usage on schema {staging} to {role}")
        cursor.execute(f"grant select on all tables in schema {staging} to {role}")
        cursor.execute(f"drop schema if exists {quoted(schema)} cascade")
        cursor.execute(f"alter schema {staging} rename to {quoted(schema)}")
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
                columns = duckdb_columns(connection, f"select * from marts.{mart}")
                query = mart_query(mart, "marts", mask_hidden_prices, columns)
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
