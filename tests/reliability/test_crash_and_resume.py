"""A run killed by SIGKILL at each stage, then run again, ends where one clean run ends.

Two data folders load the same sandbox. The reference loads day 1, then day 2 in one clean run. The
other starts from the reference's day-1 warehouse and meets day 2 with a run killed (the whole
process group, dbt's child included) at each failpoint in turn (orchestration/platform/failpoints.py):
mid-extract of Apimo (a cursor source), before Enclosure's normalise, before Koto's load, mid dbt
build, mid publish; then one run that is let finish. Its marts and serving file must equal the
reference's, compared by table hashes, and its cursors must be the reference's: nothing was skipped
nor stored twice. Runs go through the `listings` CLI, every step in one process (`--in-process`).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from listings_sandbox import Sandbox
from listings_sandbox.demo import demo_sandbox_config
from orchestration.platform.failpoints import FAILPOINT_ENV, POINTS
from orchestration.warehouse.publish import MARTS

pytestmark = pytest.mark.slow  # minutes: started first under pytest-xdist (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
CRASHES = ["extract:apimo", "normalize:enclosure", "load:koto", "dbt", "publish"]
# columns that carry the pipeline's own clock (when a load ran), which two folders cannot share
CLOCK_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "DATE")
CLOCK_COLUMNS = {"days_on_market"}


def listings(folder: Path, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LISTINGS_DATA_DIR": str(folder), "DAGSTER_HOME": str(folder / "dagster")}
    env.pop("LISTINGS_WAREHOUSE_PATH", None)
    env.pop(FAILPOINT_ENV, None)
    # AvaroAI retires a listing after N complete scans miss it, and the crashed folder scans more
    # often; one confirmation makes both folders retire on the same day
    env["SOURCES__AVAROAI__REMOVAL_CONFIRMATIONS"] = "1"
    if failpoint:
        env[FAILPOINT_ENV] = failpoint
    command = [str(Path(sys.executable).parent / "listings"), *args]
    # its own process group: a failpoint kills that group, never this test
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, start_new_session=True
    )


def run(folder: Path, failpoint: str | None = None) -> subprocess.CompletedProcess:
    """All providers and the marts; a crash in a provider's load runs only that provider, raw only."""
    provider = failpoint.partition(":")[2] if failpoint else ""
    scope = [provider, "--no-marts"] if provider else []
    return listings(folder, "run", *scope, "--sandbox", "--in-process", failpoint=failpoint)


def fingerprints(database: Path) -> dict[str, tuple[int, str]]:
    """Rows and an md5 of the sorted rows of each mart, clock columns left out."""
    with duckdb.connect(str(database), read_only=True) as connection:
        prints = {}
        for mart in MARTS:
            columns = [
                name
                for name, kind in connection.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [mart],
                ).fetchall()
                if kind not in CLOCK_TYPES and name not in CLOCK_COLUMNS
            ]
            row = f"concat_ws('|', {', '.join(f'coalesce(cast({c} as varchar), chr(0))' for c in columns)})"
            prints[mart] = connection.execute(
                f"select count(*), md5(coalesce(string_agg(row_text, chr(10) order by row_text), '')) "
                f"from (select {row} as row_text from marts.{mart})"
            ).fetchone()
        return prints


def cursors(folder: Path) -> dict[str, str]:
    status = listings(folder, "status", "--json")
    assert status.returncode == 0, status.stderr
    return {row["provider"]: row["cursor"] for row in json.loads(status.stdout)}


@pytest.mark.parametrize("crashes", [CRASHES])
def test_a_run_killed_at_each_stage_then_rerun_equals_one_clean_run(tmp_path: Path, crashes: list[str]) -> None:
    assert {crash.split(":")[0] for crash in crashes} == set(POINTS)
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    with Sandbox(demo_sandbox_config(seed=31)) as sandbox:
        for folder in (reference, crashed):
            folder.mkdir()
            (folder / "sandbox.json").write_text(json.dumps(sandbox.info()))
        day_one = run(reference)
        assert day_one.returncode == 0, day_one.stdout[-3000:] + day_one.stderr[-3000:]
        shutil.copy(reference / "warehouse.duckdb", crashed / "warehouse.duckdb")
        sandbox.advance_day()

        clean = run(reference)
        assert clean.returncode == 0, clean.stderr[-3000:]
        for crash in crashes:
            killed = run(crashed, failpoint=crash)
            assert killed.returncode == -signal.SIGKILL, (crash, killed.returncode, killed.stderr[-3000:])
        resumed = run(crashed)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
    # the killed runs that reached the pools (dbt, publish) held slots: the next runs freed them
    assert (killed.stdout + resumed.stdout).count("had died unfinished: marked failed, its pool slots freed") >= 2

    expected = fingerprints(reference / "warehouse.duckdb")
    assert all(rows > 0 for rows, _ in expected.values())
    assert fingerprints(crashed / "warehouse.duckdb") == expected
    assert fingerprints(crashed / "serving.duckdb") == fingerprints(reference / "serving.duckdb") == expected
    assert cursors(crashed) == cursors(reference)
    assert not [path.name for path in crashed.iterdir() if ".tmp" in path.name]  # no half publish left
    assert committed_payloads(crashed) == committed_payloads(reference)  # raw: no version lost or stored twice


def committed_payloads(folder: Path) -> dict[str, list[tuple]]:
    """Per raw dataset, the committed listing rows without their load ids and clock, sorted."""
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as connection:
        datasets = [
            row[0]
            for row in connection.execute(
                "select distinct table_schema from information_schema.tables "
                "where table_schema like 'raw_%' and table_name = 'listings'"
            ).fetchall()
        ]
        return {
            dataset: connection.execute(
                f"select account_id, source_listing_id, is_removal, payload_hash from {dataset}.listings "
                f"where _dlt_load_id in (select load_id from {dataset}._dlt_loads where status = 0) order by all"
            ).fetchall()
            for dataset in sorted(datasets)
        }
