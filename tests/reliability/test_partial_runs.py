"""One provider down never freezes the others, and a warehouse held open elsewhere is waited for.

Through the real command line (`listings run`, multiprocess, a Dagster instance under the data
folder) against the sandbox: day 1 every provider loads; on day 2 EstatePrime's host refuses every
connection for the whole run. The run ends PARTIAL, naming EstatePrime, its cause and what to
check; the other providers' day-2 data is in the published serving file, and EstatePrime's rows
there are its day-1 rows, unchanged.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from listings_sandbox import Sandbox, SandboxConfig
from listings_sandbox.demo import NIGHTLY
from orchestration.defs.conventions import FAILED_PROVIDERS_TAG
from orchestration.registry import provider_names

pytestmark = pytest.mark.slow  # minutes: started first under pytest-xdist (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
DOWN = "estateprime"
FAST_RETRIES = {
    "SOURCES__BACKOFF_INITIAL_SECONDS": "0.1",
    "SOURCES__BACKOFF_MAX_SECONDS": "0.5",
    "SOURCES__TRANSIENT_MAX_ATTEMPTS": "3",
}


def listings_cli(*args: str, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "listings"), *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def closed_port() -> int:
    """A loopback port with nothing listening: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_rows(serving: Path, source: str) -> set[tuple]:
    with duckdb.connect(str(serving), read_only=True) as connection:
        return set(
            connection.execute(
                "select account_id, source_listing_id, list_price, status, removed_at from marts.listings "
                "where source = ?",
                [source],
            ).fetchall()
        )


def listed_ids(sandbox: Sandbox, source: str) -> set[tuple[str, str]]:
    return {(r["account_id"], r["source_listing_id"]) for r in sandbox.truth(source) if r["is_listed"]}


@dataclass
class Partial:
    healthy: subprocess.CompletedProcess
    partial: subprocess.CompletedProcess
    status: subprocess.CompletedProcess  # `listings status` after the partial run
    before: dict[str, set[tuple]]  # source -> served rows after day 1
    after: dict[str, set[tuple]]  # after day 2
    listed_day_2: dict[str, set[tuple[str, str]]]
    dagster_home: Path


@pytest.fixture(scope="module")
def partial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Partial]:
    data = tmp_path_factory.mktemp("partial")
    with Sandbox(SandboxConfig(seed=11, total_listings=600, options={"avaroai": {"rate_limit": (20, 1.0)}})) as sandbox:
        env = {**os.environ, **sandbox.dlt_environment(), **NIGHTLY, **FAST_RETRIES, "LISTINGS_DATA_DIR": str(data)}
        for name in ("LISTINGS_WAREHOUSE_PATH", "LISTINGS_SERVING_PATH", "DAGSTER_HOME"):
            env.pop(name, None)
        healthy = listings_cli("run", env=env)
        serving = data / "serving.duckdb"
        before = {source: served_rows(serving, source) for source in provider_names()}
        sandbox.advance_day()
        sandbox.arm_fault("koto", "unknown_value", value="castle")  # a word Koto's document does not list
        down = {**env, f"SOURCES__{DOWN.upper()}__BASE_URL": f"http://127.0.0.1:{closed_port()}/api"}
        partial = listings_cli("run", env=down)
        status = listings_cli("status", env=env)
        after = {source: served_rows(serving, source) for source in provider_names()}
        listed = {source: listed_ids(sandbox, source) for source in provider_names()}
    yield Partial(healthy, partial, status, before, after, listed, data / "dagster")


def test_the_run_ends_partial_naming_the_provider_its_cause_and_what_to_check(partial: Partial) -> None:
    assert partial.healthy.returncode == 0, partial.healthy.stdout[-3000:] + partial.healthy.stderr[-3000:]
    assert partial.partial.returncode == 3, partial.partial.stdout[-3000:]
    last_lines = partial.partial.stdout.strip().splitlines()[-3:]
    [failed] = [line for line in last_lines if line.strip().startswith(f"{DOWN} FAILED")]
    assert "no answer from GET /api/listings after retries (ConnectionError); check base_url and the network" in failed
    assert last_lines[-1].startswith("listings run: PARTIAL (exit 3): the marts were published; estateprime kept")


def test_run_and_status_name_a_provider_word_the_crosswalk_lacks(partial: Partial) -> None:
    unmapped = [
        "UNMAPPED provider values (1): shown as other/unknown; add them to crosswalk_vocabulary.csv",
        "  koto property_type 'castle': 1 listings",
    ]
    lines = partial.partial.stdout.splitlines()
    start = lines.index(unmapped[0])
    assert lines[start : start + 2] == unmapped and start >= len(lines) - 6  # among the last lines
    assert partial.status.returncode == 0 and partial.status.stdout.splitlines()[-2:] == unmapped


def test_the_other_providers_new_data_is_published(partial: Partial) -> None:
    for source in set(provider_names()) - {DOWN}:
        served = {row[:2] for row in partial.after[source] if row[4] is None}
        assert partial.before[source] != partial.after[source], source  # day 2 reached the serving file
        assert partial.listed_day_2[source] <= served, source  # every listing listed on day 2 is there


def test_the_failed_provider_keeps_its_last_good_data(partial: Partial) -> None:
    assert partial.after[DOWN] == partial.before[DOWN]
    assert partial.before[DOWN]  # and it had some


def test_the_dagster_ui_shows_the_provider_failed_and_the_marts_run_records_it(partial: Partial) -> None:
    os.environ["DAGSTER_HOME"] = str(partial.dagster_home)
    try:
        with dg.DagsterInstance.get() as instance:
            raw_run, marts_run = instance.get_runs(limit=2)[::-1]
            failed_steps = {
                record.dagster_event.step_key
                for record in instance.all_logs(raw_run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
            }
            raw_status, marts_status, tags = raw_run.status, marts_run.status, marts_run.tags
            published = instance.get_latest_materialization_event(dg.AssetKey(["serving", "marts"]))
    finally:
        del os.environ["DAGSTER_HOME"]
    assert raw_status == dg.DagsterRunStatus.FAILURE and failed_steps == {DOWN}
    assert marts_status == dg.DagsterRunStatus.SUCCESS and tags[FAILED_PROVIDERS_TAG] == DOWN
    assert published.asset_materialization.metadata["providers_not_refreshed"].value == [DOWN]


def test_a_load_waits_for_a_process_that_holds_the_warehouse_open(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(warehouse)!r}); "
            "print('open', flush=True); time.sleep(20)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "open"
    with Sandbox(SandboxConfig(seed=3)) as sandbox:
        env = {**os.environ, **sandbox.dlt_environment(), "LISTINGS_DATA_DIR": str(tmp_path)}
        for name in ("LISTINGS_WAREHOUSE_PATH", "DAGSTER_HOME"):
            env.pop(name, None)
        started = time.monotonic()
        run = listings_cli("run", "actuallycare", "--no-marts", "--in-process", env=env)
        waited = time.monotonic() - started
    holder.wait(timeout=60)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert f"PID {holder.pid} " in output and f"holds the warehouse {warehouse} open" in output
    assert waited >= 15  # it waited for the holder rather than failing
    assert "credentials" not in output
