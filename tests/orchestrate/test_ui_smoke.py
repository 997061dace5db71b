"""The operators' UI really serves the graph: the Dagster webserver, started the way ``make dev``
starts it (``-m orchestration.definitions``), loads the code location without errors and answers
GraphQL with the lineage, groups, kinds and dbt checks that tests/orchestrate/test_definitions.py
asserts in process. A location that loads in a test but fails in the webserver's code server
(another cwd, environment or import path) fails here."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from orchestration.registry import provider_names

REPO = Path(__file__).resolve().parents[2]
STARTUP_DEADLINE_S = 300  # about 20 s unloaded; CI runs other workers beside it

ASSET_NODES = """{
  assetNodes {
    assetKey { path }
    groupName
    kinds
    hasAssetChecks
    assetChecksOrError { __typename ... on AssetChecks { checks { name } } }
  }
}"""
WORKSPACE = """{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
}"""
AUTOMATION = """{
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name schedules { name } sensors { name } } }
  }
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The webserver on a free local port, with a private Dagster instance and data folder; its
    base URL. Stopped at the end of the module."""
    tmp = tmp_path_factory.mktemp("ui")
    home = tmp / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "LISTINGS_DATA_DIR": str((tmp / "data").resolve())}
    env.pop("LISTINGS_WAREHOUSE_PATH", None)
    port = free_port()
    executable = Path(sys.executable).parent / "dagster-webserver"
    command = [str(executable), "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)]
    log = tmp / "webserver.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the webserver exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the webserver did not answer within {STARTUP_DEADLINE_S} s:\n{log.read_text()}")
            try:
                if requests.get(f"{url}/server_info", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def graphql(url: str, query: str) -> dict:
    response = requests.post(f"{url}/graphql", json={"query": query}, timeout=60)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_the_code_location_loads_and_serves_schedules_and_sensors(webserver: str) -> None:
    workspace = graphql(webserver, WORKSPACE)["workspaceOrError"]
    assert workspace["__typename"] == "Workspace", workspace
    [entry] = workspace["locationEntries"]
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
    assert entry["loadStatus"] == "LOADED"

    repositories = graphql(webserver, AUTOMATION)["repositoriesOrError"]
    assert repositories["__typename"] == "RepositoryConnection", repositories
    [repository] = repositories["nodes"]
    schedules = {schedule["name"] for schedule in repository["schedules"]}
    assert {f"load_{source}_schedule" for source in provider_names()} <= schedules
    assert {sensor["name"] for sensor in repository["sensors"]} == {"provider_freshness", "rebuild_marts_after_loads"}


def test_the_ui_serves_the_lineage_graph_with_groups_kinds_and_checks(webserver: str) -> None:
    nodes = {"/".join(node["assetKey"]["path"]): node for node in graphql(webserver, ASSET_NODES)["assetNodes"]}
    raw = {f"raw_{source}/{source}_listings" for source in provider_names()} | {
        f"raw_estateprime/estateprime_{lookup}" for lookup in ("sources", "tags", "custom_fields")
    }
    staging = {f"staging/stg_{source}__listings" for source in provider_names()}
    marts = {f"marts/{model}" for model in ("listings", "listing_price_history", "listing_events", "listing_photos")}
    assert raw | staging | {"intermediate/int_listing_versions"} | marts | {"serving/marts"} <= set(nodes)

    assert {nodes[f"raw_{source}/{source}_listings"]["groupName"] for source in provider_names()} == {"raw"}
    assert {nodes[key]["groupName"] for key in marts} == {"marts"}
    assert {"dbt", "duckdb"} <= set(nodes["marts/listings"]["kinds"])

    def checks(key: str) -> set[str]:
        node = nodes[key]
        assert node["hasAssetChecks"] and node["assetChecksOrError"]["__typename"] == "AssetChecks", node
        return {check["name"] for check in node["assetChecksOrError"]["checks"]}

    assert {"unique_listings_v2_listing_key", "not_null_listings_v2_listing_key"} <= checks("marts/listings")
    assert "assert_one_current_price_per_listing" in checks("marts/listing_price_history")
    assert checks("raw_apimo/apimo_listings") == {"freshness_check"}
