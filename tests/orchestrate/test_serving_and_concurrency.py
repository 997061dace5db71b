"""One writer at a time: ``listings run`` runs every provider in its own process (Dagster's
multiprocess executor); they extract side by side and share one DuckDB file, which only one process
may open for writing. And the README's example queries on a published file. (Readers of the serving
file across several loads: tests/transform/test_marts_scenario.py.)"""

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from listings_sandbox import Sandbox, SandboxConfig
from orchestration.analyst import EXAMPLES, example
from orchestration.cli.instance import instance_at
from orchestration.defs.transform.assets import INVOCATION_PREFIX
from orchestration.registry import provider_names

pytestmark = pytest.mark.slow  # minutes: started first under pytest-xdist (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
# the documented quota, in a 6 s window
FAST_AVAROAI = SandboxConfig(seed=5, options={"avaroai": {"rate_limit": (20, 6.0)}})


def listings_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "listings"), *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


def test_providers_run_in_parallel_processes_without_a_lock_failure(tmp_path: Path) -> None:
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dagster")}
    env.pop("LISTINGS_WAREHOUSE_PATH", None)
    with Sandbox(FAST_AVAROAI) as sandbox:
        (tmp_path / "sandbox.json").write_text(json.dumps(sandbox.info()))
        run = listings_cli("run", "--sandbox", env=env)
        assert run.returncode == 0, run.stdout + run.stderr
        truth = {
            provider: {
                (record["account_id"], record["source_listing_id"])
                for record in sandbox.truth(provider)
                if record["is_listed"]
            }
            for provider in provider_names()
        }
    status = listings_cli("status", "--json", env=env)
    assert status.returncode == 0, status.stderr

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as warehouse:
        for provider in provider_names():
            stored = {
                row[0]
                for row in warehouse.execute(
                    f"select distinct source_listing_id from raw_{provider}.listings"
                ).fetchall()
            }
            assert len(stored) == len(truth[provider]), provider
    rows = {row["provider"]: row for row in json.loads(status.stdout)}
    assert {row["freshness"] for row in rows.values()} == {"fresh"}
    assert "timestamp_by_agency" in rows["apimo"]["cursor"] and rows["avaroai"]["cursor"] == "full scan each run"
    # cursors as times (Apimo's Unix seconds too), and when each provider last completed a full scan
    apimo_cursor = json.loads(rows["apimo"]["cursor"])["timestamp_by_agency"]
    assert all(datetime.fromisoformat(at).tzinfo is not None for at in apimo_cursor.values())
    assert all(datetime.fromisoformat(row["last_complete_scan_at"]) for row in rows.values())

    # the providers' steps overlapped in time: extraction really ran side by side
    raw_run, marts_run = (line.split()[2] for line in run.stdout.splitlines() if line.startswith("Dagster run "))
    with instance_at(tmp_path / "dagster") as instance:
        windows = step_windows(instance, raw_run)
        selections = [instance.get_run_by_id(run_id).asset_selection for run_id in (raw_run, marts_run)]
    assert most_at_once([windows[provider] for provider in provider_names()]) >= 3, windows
    # freshness checks are the freshness sensor's: a run does not spend a process on each
    assert not [step for step in windows if step.startswith("freshness_check")], sorted(windows)
    # each run records what it selected, so a re-execution from the UI selects the same: the loads,
    # then the seeds, models, the publish and the report (the photo mirror is off in the suite)
    assert [{key.path[0] for key in selection} for selection in selections] == [
        {f"raw_{p}" for p in provider_names()},
        {"crosswalks", "reference", "staging", "intermediate", "marts", "serving", "report"},
    ]
    assert run.stdout.strip().splitlines()[-1] == "listings run: succeeded"
    assert (tmp_path / "serving.duckdb").exists()
    # the run's dbt build ran the models and their data tests, not the unit tests (the suite's builds run those)
    (invocation,) = (REPO / "dbt_project" / "target").glob(f"{INVOCATION_PREFIX}{marts_run[:7]}-*")
    results = json.loads((invocation / "run_results.json").read_text())["results"]
    executed = Counter(result["unique_id"].split(".")[0] for result in results)
    assert executed["model"] > 0 and executed["test"] > 0 and executed["unit_test"] == 0, executed


def most_at_once(windows: list[tuple[float, float]]) -> int:
    """The largest number of (start, end) windows open at one instant."""
    edges = sorted([(start, 1) for start, _ in windows] + [(end, -1) for _, end in windows])
    running = peak = 0
    for _, change in edges:
        running += change
        peak = max(peak, running)
    return peak


def step_windows(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float]]:
    starts, ends = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event and event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = record.timestamp
        elif event and event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            ends[event.step_key] = record.timestamp
    return {step: (starts[step], ends[step]) for step in ends}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_readme_example_queries_run_on_the_serving_file(name: str, tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    with duckdb.connect(str(serving)) as connection:  # the smallest published marts the queries need
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.listings as select * from (values "
            "('a:1', 'apimo', 'Paris', 'FR', 'EUR', 'sale', true, 300000.0, 60.0, 'active', 10), "
            "('a:2', 'apimo', 'Paris', 'FR', 'EUR', 'sale', true, 500000.0, 100.0, 'active', 30), "
            "('a:3', 'apimo', 'Paris', 'FR', 'EUR', 'sale', true, 420000.0, 70.0, 'pending', 50)) "
            "as t(listing_key, source, city, country_code, currency, listing_type, is_available, "
            "list_price, living_area_sqm, status, days_on_market)"
        )
        connection.execute(
            "create table marts.listing_price_history as select * from (values "
            "('a:1', 320000.0, 300000.0, 'EUR', -6.25, -20000.0, current_date::timestamptz)) "
            "as t(listing_key, previous_price, list_price, currency, price_change_pct, price_change, valid_from)"
        )
    frame = example(name, path=serving)
    expected = {
        "price_drops_this_week": [("a:1", -6.25)],
        "median_price_per_sqm_by_city": [("Paris", 5000.0)],
        "days_on_market_by_status": [("active", 2), ("pending", 1)],
    }[name]
    got = {
        "price_drops_this_week": lambda: list(zip(frame.listing_key, frame.price_change_pct, strict=True)),
        "median_price_per_sqm_by_city": lambda: list(zip(frame.city, frame.median_price_per_sqm, strict=True)),
        "days_on_market_by_status": lambda: list(zip(frame.status, frame.listings, strict=True)),
    }[name]()
    assert got == expected, (datetime.now(), frame)
