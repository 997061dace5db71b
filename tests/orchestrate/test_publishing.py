"""Publishing the marts: snapshots swapped in whole, pruned without touching anything else, and a
failed publish leaves the last good one in place. (The scenario test publishes real marts.)"""

from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse.publish import MARTS, PARQUET_SNAPSHOTS_KEPT, publish_duckdb, publish_parquet


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
