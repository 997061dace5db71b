"""Publishing the marts: snapshots swapped in whole, pruned without touching anything else, and a
failed publish leaves the last good one in place; to a PostgreSQL schema that a reader role can
read and nothing more. (The scenario test publishes real marts.)"""

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse.publish import (
    MARTS,
    PARQUET_SNAPSHOTS_KEPT,
    publish_duckdb,
    publish_parquet,
    publish_postgres,
)
from orchestration.warehouse.resource import Warehouse


def small_warehouse(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists marts")
        for mart in MARTS:
            connection.execute(f"create or replace table marts.{mart} as select range as id from range({rows})")
    return path


def rows_in(parquet: Path) -> int:
    with duckdb.connect() as connection:
        return connection.execute(f"select count(*) from '{parquet}'").fetchone()[0]


def test_parquet_keeps_the_last_snapshots_and_current_points_at_the_newest(tmp_path: Path) -> None:
    folder = tmp_path / "parquet"
    folder.mkdir()
    (folder / "notes").mkdir()  # someone else's folder beside the snapshots
    for rows in range(1, 6):
        current = publish_parquet(small_warehouse(tmp_path / "warehouse.duckdb", rows), folder)
        assert rows_in(current / "listings.parquet") == rows
    snapshots = sorted(path.name for path in folder.iterdir() if path.is_dir() and not path.is_symlink())
    assert len(snapshots) == PARQUET_SNAPSHOTS_KEPT + 1 and "notes" in snapshots
    assert current.resolve().name == max(name for name in snapshots if name != "notes")
    assert sorted(path.name for path in current.iterdir()) == sorted(f"{mart}.parquet" for mart in MARTS)
    assert not [path for path in folder.iterdir() if path.name.startswith(".")]  # no staging left


def test_a_failed_publish_leaves_the_last_good_snapshot_and_no_debris(tmp_path: Path) -> None:
    folder, target = tmp_path / "parquet", tmp_path / "serving.duckdb"
    warehouse = small_warehouse(tmp_path / "warehouse.duckdb", rows=7)
    publish_parquet(warehouse, folder)
    publish_duckdb(warehouse, target)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"drop table marts.{MARTS[-1]}")  # a build that lost a mart
    with pytest.raises(duckdb.CatalogException):
        publish_parquet(warehouse, folder)
    with pytest.raises(duckdb.CatalogException):
        publish_duckdb(warehouse, target)
    assert rows_in(folder / "current" / "listings.parquet") == 7
    assert len([path for path in folder.iterdir() if not path.is_symlink()]) == 1
    with duckdb.connect(str(target), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.listings").fetchone()[0] == 7
    assert sorted(path.name for path in tmp_path.iterdir()) == ["parquet", "serving.duckdb", "warehouse.duckdb"]


def priced_warehouse(path: Path) -> Path:
    """Marts with the columns hidden-price masking reads: one listing whose second price was hidden."""
    small_warehouse(path, rows=3)
    with duckdb.connect(str(path)) as connection:
        connection.execute("""
            create or replace table marts.listings as
            select 'a' as listing_key, 90.00::decimal(18, 2) as list_price, true as price_is_hidden;
            create or replace table marts.listing_price_history as
            select * from (values
                ('a', 100.00::decimal(18, 2), false, timestamptz '2026-01-01 00:00:00+00',
                 timestamptz '2026-01-02 00:00:00+00', null::decimal(18, 2), null::decimal(19, 2), null::decimal(9, 2)),
                ('a', 90.00, true, timestamptz '2026-01-02 00:00:00+00', null, 100.00, -10.00, -10.00)
            ) as history (listing_key, list_price, price_is_hidden, valid_from, valid_to, previous_price,
                          price_change, price_change_pct);
            create or replace table marts.listing_events as
            select * from (values
                ('a', 'new_listing', timestamptz '2026-01-01 00:00:00+00', null, '100.00'),
                ('a', 'price_change', timestamptz '2026-01-02 00:00:00+00', '100.00', '90.00')
            ) as events (listing_key, event_type, event_at, old_value, new_value);
        """)
    return path


def test_the_marts_are_published_to_a_postgres_schema_that_the_reader_role_can_only_read(
    tmp_path: Path, postgres_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg2

    database = postgres_server.create_database()
    for name, value in postgres_server.environment(database).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LISTINGS_WAREHOUSE", "duckdb")  # the marts come from a DuckDB file
    warehouse = Warehouse(path=str(priced_warehouse(tmp_path / "warehouse.duckdb")))
    counts = publish_postgres(warehouse, schema="serving", reader_role="listings_reader", mask_hidden_prices=True)
    assert counts["listings"] == 1 and counts["listings_v1"] == 3
    with psycopg2.connect(postgres_server.url(database)) as owner, owner.cursor() as cursor:
        cursor.execute("create role bi_user login password 'bi-password' in role listings_reader")
        cursor.execute("create schema private")
        cursor.execute("create table private.secrets as select 1 as x")
    reader_url = postgres_server.url(database).replace(f"listings:{postgres_server.password}", "bi_user:bi-password")
    with psycopg2.connect(reader_url) as reader, reader.cursor() as cursor:
        cursor.execute("select list_price, price_is_hidden from serving.listings")
        assert cursor.fetchall() == [(None, True)]  # masked: the provider hid it
        cursor.execute(
            "select list_price, previous_price, price_change from serving.listing_price_history order by valid_from"
        )
        assert cursor.fetchall() == [(Decimal("100.00"), None, None), (None, Decimal("100.00"), None)]
        cursor.execute("select old_value, new_value from serving.listing_events order by event_at")
        assert cursor.fetchall() == [(None, "100.00"), ("100.00", None)]
        for statement in (
            "insert into serving.listings (listing_key) values ('b')",
            "create table serving.x (y int)",
            "select * from private.secrets",
        ):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(statement)
            reader.rollback()

    # the next publish replaces the schema whole, grants included; the file gets the same masked marts
    publish_postgres(warehouse, schema="serving", reader_role="listings_reader")
    with psycopg2.connect(reader_url) as reader, reader.cursor() as cursor:
        cursor.execute("select list_price from serving.listings")
        assert cursor.fetchall() == [(Decimal("90.00"),)]
    publish_duckdb(warehouse, tmp_path / "serving.duckdb", mask_hidden_prices=True)
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as connection:
        assert connection.execute(
            "select old_value, new_value from marts.listing_events order by event_at"
        ).fetchall() == [
            (None, "100.00"),
            ("100.00", None),
        ]
