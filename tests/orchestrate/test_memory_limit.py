"""Every DuckDB connection that writes is bounded (DuckDB would otherwise take 80% of the machine's
memory): dbt's build and the publish by one setting, dlt's loads by another."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.registry import dbt_vars_argument
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.publish import MARTS, publish_duckdb
from orchestration.warehouse.resource import (
    DEFAULT_DUCKDB_MEMORY_LIMIT,
    DEFAULT_LOAD_MEMORY_LIMIT,
    DUCKDB_MEMORY_LIMIT_ENV,
    LOAD_MEMORY_LIMIT_ENV,
)

DBT = str(Path(sys.executable).parent / "dbt")
SETTING = "select current_setting('memory_limit') as memory_limit"


def as_duckdb_shows(limit: str) -> str:
    with duckdb.connect(config={"memory_limit": limit}) as connection:
        return connection.execute(SETTING).fetchone()[0]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    return tmp_path


@pytest.mark.parametrize(("configured", "configured_load"), [(None, None), ("300MB", "200MB")])
def test_dbt_and_dlt_connections_take_their_configured_limits_or_the_defaults(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, configured: str | None, configured_load: str | None
) -> None:
    for variable, value in ((DUCKDB_MEMORY_LIMIT_ENV, configured), (LOAD_MEMORY_LIMIT_ENV, configured_load)):
        if value:
            monkeypatch.setenv(variable, value)
        else:
            monkeypatch.delenv(variable, raising=False)
    limit = configured or DEFAULT_DUCKDB_MEMORY_LIMIT
    with listings_pipeline("apimo").sql_client() as client:
        assert client.execute_sql(SETTING)[0][0] == as_duckdb_shows(configured_load or DEFAULT_LOAD_MEMORY_LIMIT)
    shown = subprocess.run(
        # its own target and logs: dbt show rewrites the manifest other processes may be reading
        [DBT, "show", "--inline", SETTING, "--output", "json", "--quiet", *dbt_vars_argument()]
        + ["--target-path", str(data_dir / "dbt_target"), "--log-path", str(data_dir)],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout)["show"] == [{"memory_limit": as_duckdb_shows(limit)}]


def test_a_publish_of_marts_far_larger_than_the_limit_succeeds_and_clears_a_dead_publish_spill(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DUCKDB_MEMORY_LIMIT_ENV, "48MB")
    warehouse, target = data_dir / "warehouse.duckdb", data_dir / "serving.duckdb"
    dead_spill = data_dir / ".serving.duckdb.0123abcd.tmp.spill"  # of a publish killed midway
    dead_spill.mkdir()
    (dead_spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema marts")
        for mart in MARTS:  # about 60 MB of distinct text each
            connection.execute(
                f"create table marts.{mart} as "
                "select range as id, repeat(md5(range::varchar), 2) as text from range(500000)"
            )
    assert publish_duckdb(warehouse, target) == {mart: 500_000 for mart in MARTS}
    with duckdb.connect(str(target), read_only=True) as connection:
        assert connection.execute("select count(distinct text) from marts.listing_photos").fetchone()[0] == 500_000
    assert sorted(path.name for path in data_dir.iterdir()) == ["serving.duckdb", "warehouse.duckdb"]
