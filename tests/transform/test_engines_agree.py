"""The same raw data gives the same marts on DuckDB and on PostgreSQL, bit for bit on every contract
column: three sandbox days are loaded into DuckDB; after each, raw is copied exactly to a real
PostgreSQL server and dbt builds on both (incrementally, as a routine run does); then every mart's
rows, sorted and hashed, are compared."""

import decimal
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest

from listings_sandbox import Sandbox
from listings_sandbox.demo import NIGHTLY, demo_sandbox_config
from listings_sandbox.postgres import PostgresServer
from orchestration.defs.transform.assets import listings_dbt_project
from orchestration.registry import provider_names, raw_dataset
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.transfer import copy_schemas_to_postgres

pytestmark = pytest.mark.slow

DAYS = 3
REPO = DBT_PROJECT_DIR.parent


def contract_columns() -> dict[str, list[str]]:
    """Each published mart (every version) -> the columns its enforced contract declares, from dbt's manifest."""
    manifest = json.loads(Path(listings_dbt_project().manifest_path).read_text())
    return {
        node["alias"]: list(node["columns"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts" and node["config"]["contract"]["enforced"]
    }


def listings(*args: str, env: dict[str, str]) -> None:
    command = [str(Path(sys.executable).parent / "listings"), *args]
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]


def canonical(value: Any) -> Any:
    """A value as both engines' drivers can agree on it: decimals and floats as exact text, times in UTC."""
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value == value else "NaN"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def row_hashes(rows: list[tuple]) -> list[str]:
    return sorted(hashlib.sha256(repr(tuple(map(canonical, row))).encode()).hexdigest() for row in rows)


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer) -> Iterator[tuple]:
    folder = tmp_path_factory.mktemp("engines")
    database = postgres_server.create_database()
    base = {**os.environ, "LISTINGS_DATA_DIR": str(folder), **NIGHTLY, "SOURCES__AVAROAI__REMOVAL_CONFIRMATIONS": "1"}
    base.pop("LISTINGS_WAREHOUSE_PATH", None)
    on_duckdb = {**base, "LISTINGS_WAREHOUSE": "duckdb"}
    on_postgres = {**base, **postgres_server.environment(database)}
    warehouse = folder / "warehouse.duckdb"
    with Sandbox(demo_sandbox_config(seed=11)) as sandbox:
        on_duckdb.update(sandbox.dlt_environment())
        for day in range(DAYS):
            if day:
                sandbox.advance_day()
            listings("run", "--in-process", "--no-marts", env=on_duckdb)
            with (
                duckdb.connect(str(warehouse), read_only=True) as source,
                psycopg2.connect(postgres_server.url(database)) as target,
                target.cursor() as cursor,
            ):
                copy_schemas_to_postgres(source, [raw_dataset(name) for name in provider_names()], cursor)
            for engine, environment in (("duckdb", on_duckdb), ("postgres", on_postgres)):
                work = folder / f"dbt_{engine}"  # not the project's target folder, which other tests read
                listings("dbt", "build", "--target-path", str(work), "--log-path", str(work), env=environment)
    yield warehouse, postgres_server.url(database)


@pytest.mark.parametrize("mart", sorted(contract_columns()))
def test_every_mart_is_the_same_on_both_engines(both_engines: tuple, mart: str) -> None:
    warehouse, url = both_engines
    select = f"select {', '.join(contract_columns()[mart])} from marts.{mart}"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        on_duckdb = connection.execute(select).fetchall()
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(select)
        on_postgres = cursor.fetchall()
    assert on_duckdb, f"marts.{mart} is empty: nothing was compared"
    assert len(on_duckdb) == len(on_postgres)
    if row_hashes(on_duckdb) != row_hashes(on_postgres):
        duckdb_rows, postgres_rows = ({tuple(map(canonical, row)) for row in rows} for rows in (on_duckdb, on_postgres))
        pytest.fail(
            f"marts.{mart} differs: DuckDB only {sorted(duckdb_rows - postgres_rows)[:2]}; "
            f"PostgreSQL only {sorted(postgres_rows - duckdb_rows)[:2]}"
        )


def test_every_unit_test_name_fits_a_postgres_identifier() -> None:
    """dbt-postgres names a relation after each unit test (with `_v<n>` for a versioned model), and
    PostgreSQL refuses identifiers over 63 bytes: a longer name fails only there."""
    manifest = json.loads(Path(listings_dbt_project().manifest_path).read_text())
    tests = manifest["unit_tests"].values()
    relations = [test["name"] + (f"_v{test['version']}" if test.get("version") else "") for test in tests]
    assert relations and [name for name in relations if len(name.encode()) > 63] == []
