"""After the demo, the UI can run every job: ``listings ui --sandbox`` serves the demo's sandbox again,
as the demo left it, and points the sources at it. "Materialize" on a raw asset, sent as the UI sends
it (GraphQL ``launchRun`` of the asset job with that asset selected), loads it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import requests

from orchestration.defs.ingest.assets import raw_asset_key

from .test_ui_smoke import STARTUP_DEADLINE_S, WORKSPACE, free_port, graphql

pytestmark = pytest.mark.slow  # minutes: started first under pytest-xdist (tests/conftest.py)

LISTINGS = Path(sys.executable).parent / "listings"
RUN_DEADLINE_S = 300
LAUNCH = """mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on InvalidSubsetError { message }
  }
}"""
RUN = """query Run($runId: ID!) {
  runOrError(runId: $runId) { __typename ... on Run { status } }
}"""


def test_materialize_on_a_raw_asset_after_the_demo_loads_it(tmp_path: Path) -> None:
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path)}
    for variable in ("DAGSTER_HOME", "LISTINGS_WAREHOUSE_PATH"):
        env.pop(variable, None)
    demo = subprocess.run([str(LISTINGS), "demo", "--days", "1"], env=env, capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert loads(tmp_path) == 1

    port = free_port()
    log = tmp_path / "ui.log"
    with log.open("w") as output:
        ui = subprocess.Popen(
            [str(LISTINGS), "ui", "--sandbox", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # dagster dev's webserver and daemon stop with it
        )
    url = f"http://127.0.0.1:{port}"
    try:
        location = loaded_location(url, ui, log)
        asset = raw_asset_key("actuallycare")
        params = {
            "selector": {
                "repositoryLocationName": location,
                "repositoryName": "__repository__",
                "jobName": "__ASSET_JOB",
                "assetSelection": [{"path": asset.path}],
            },
            "runConfigData": {},
        }
        launched = graphql_with(url, LAUNCH, {"params": params})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        status = final_status(url, launched["run"]["runId"])
        assert status == "SUCCESS", f"the run ended {status}:\n{log.read_text()[-5000:]}"
    finally:
        os.killpg(ui.pid, signal.SIGTERM)
        try:
            ui.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)
            ui.wait()
    # the UI's run loaded the sandbox the demo left: a second committed load, nothing new in it
    assert loads(tmp_path) == 2


def loads(data: Path) -> int:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute("select count(*) from raw_actuallycare._dlt_loads where status = 0").fetchone()[0]


def loaded_location(url: str, ui: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if ui.poll() is not None:
            pytest.fail(f"listings ui --sandbox exited with {ui.returncode}:\n{log.read_text()[-5000:]}")
        try:
            workspace = graphql(url, WORKSPACE)["workspaceOrError"]
        except requests.ConnectionError:
            time.sleep(1)
            continue
        entries = workspace.get("locationEntries", [])
        if entries and entries[0]["loadStatus"] == "LOADED":
            assert entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation", entries[0]
            return entries[0]["name"]
        time.sleep(1)
    pytest.fail(f"the UI did not load the code location within {STARTUP_DEADLINE_S} s:\n{log.read_text()[-5000:]}")


def final_status(url: str, run_id: str) -> str:
    deadline = time.monotonic() + RUN_DEADLINE_S
    while time.monotonic() < deadline:
        status = graphql_with(url, RUN, {"runId": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(2)
    return "still running after the deadline"


def graphql_with(url: str, query: str, variables: dict) -> dict:
    response = requests.post(f"{url}/graphql", json={"query": query, "variables": variables}, timeout=60)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]
