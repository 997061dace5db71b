"""Dagster's instance storage on PostgreSQL (dagster-postgres), the first step of a deployment
across machines (README, "When one machine is not enough"): the run, its event log and the asset
materialisations land in the server's tables, and another process reads them back from there."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2

from listings_sandbox import Sandbox, SandboxConfig
from listings_sandbox.postgres import PostgresServer
from orchestration.cli.instance import DAGSTER_YAML_FILE

REPO = Path(__file__).resolve().parents[2]

# README, "Dagster's instance on PostgreSQL": appended to the project's dagster.yaml in DAGSTER_HOME
STORAGE_ON_POSTGRES = """
storage:
  postgres:
    postgres_db:
      hostname: {{env: DAGSTER_POSTGRES_HOST}}
      port: {{env: DAGSTER_POSTGRES_PORT}}
      username: {{env: DAGSTER_POSTGRES_USER}}
      password: {{env: DAGSTER_POSTGRES_PASSWORD}}
      db_name: {database}
      scheme: postgresql+psycopg2  # the driver dlt and dbt use too (SQLAlchemy 2.1 would pick psycopg 3)
"""


def test_runs_and_their_events_are_stored_on_postgres(postgres_server: PostgresServer, tmp_path: Path) -> None:
    database = postgres_server.create_database()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML_FILE.read_text() + STORAGE_ON_POSTGRES.format(database=database))
    environment = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DAGSTER_POSTGRES_HOST": "127.0.0.1",
        "DAGSTER_POSTGRES_PORT": str(postgres_server.port),
        "DAGSTER_POSTGRES_USER": "listings",
        "DAGSTER_POSTGRES_PASSWORD": postgres_server.password,
        "LISTINGS_DATA_DIR": str(tmp_path / "data"),
    }
    environment.pop("LISTINGS_WAREHOUSE_PATH", None)
    with Sandbox(SandboxConfig(seed=5)) as sandbox:
        environment.update(sandbox.dlt_environment())
        listings = str(Path(sys.executable).parent / "listings")
        run = subprocess.run(
            [listings, "run", "actuallycare", "--no-marts", "--in-process"],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    with psycopg2.connect(postgres_server.url(database)) as connection, connection.cursor() as cursor:
        cursor.execute("select status from runs")
        assert cursor.fetchall() == [("SUCCESS",)]
        cursor.execute("select count(*) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION'")
        assert cursor.fetchone()[0] >= 1
        cursor.execute("select asset_key from asset_keys")
        assert '["raw_actuallycare", "actuallycare_listings"]' in {key for (key,) in cursor.fetchall()}
    assert not list(home.glob("storage/**/*.db")), "no run or event storage is left on local SQLite"

    # another process (the UI, a second machine) reads the run from the server
    status = subprocess.run(
        [listings, "status", "--json"], cwd=REPO, env=environment, capture_output=True, text=True, timeout=300
    )
    assert status.returncode == 0, status.stderr[-2000:]
    assert "actuallycare" in status.stdout
