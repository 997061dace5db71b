"""What a raw load's step process starts with, and how its scan pauses the garbage collector
(orchestration/cli/step_fork_server.py, orchestration/platform/garbage_collection.py)."""

import gc
import subprocess
import sys
from collections.abc import Iterator

import dagster as dg
import pytest
from dagster_dlt import DagsterDltResource

from listings_sandbox import Sandbox
from orchestration.cli.runs import fork_server_preload
from orchestration.defs.ingest import assets
from orchestration.defs.ingest.assets import build_raw_assets
from orchestration.platform.garbage_collection import collector_paused
from orchestration.warehouse.resource import Warehouse

# run in a fresh interpreter, as the fork server is: what it leaves for the step processes it forks
FORK_SERVER_LEAVES = """
import sys
{imports}
from orchestration.definitions import _listings_run_job, listings_run_job
before = _listings_run_job.cache_info()
listings_run_job(dbt=False)
after = _listings_run_job.cache_info()
print(after.hits - before.hits, after.misses - before.misses)
watched = ("pandas", "sqlalchemy", "dagster._core.storage.base_storage", "dbt")
print(*sorted(name for name in watched if name in sys.modules))
"""


def fork_server_leaves(preload: list[str]) -> list[str]:
    imports = "\n".join(f"import {module}" for module in preload)
    process = subprocess.run(
        [sys.executable, "-c", FORK_SERVER_LEAVES.format(imports=imports)], capture_output=True, text=True, check=True
    )
    return process.stdout.splitlines()


def test_step_processes_fork_from_a_server_that_built_the_raw_loads_job_and_imported_what_they_open() -> None:
    built, imported = fork_server_leaves(fork_server_preload())
    assert built == "1 0"  # the step process's own build of the job is a cache hit: none built again
    # the instance's storage and pandas (pyarrow's timestamps) are imported; dbt is not, a raw load needs none
    assert imported.split() == ["dagster._core.storage.base_storage", "pandas", "sqlalchemy"]


def test_without_the_preload_a_step_process_would_build_the_job_itself() -> None:
    built, _ = fork_server_leaves([])
    assert built == "0 1"


def test_the_block_pauses_automatic_collection_and_a_cycle_made_inside_is_collected_after_it() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        cycle: list = []
        cycle.append(cycle)
        del cycle
        with collector_paused():  # nested: the outer block is the one that ends the pause
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.collect() >= 1  # the cycle made inside, collected once the block has ended
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a failed scan")
    assert gc.isenabled()


def test_a_process_that_runs_without_the_collector_keeps_it_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.fixture
def collector_states(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bool]]:
    """Whether the collector was on at each failpoint a raw load passes (extract, normalize, load):
    the failpoints still run, they are only watched."""
    seen: dict[str, bool] = {}
    original = assets.failpoint

    def watched(point: str, provider: str | None = None) -> None:
        seen[point] = gc.isenabled()
        original(point, provider)

    monkeypatch.setattr(assets, "failpoint", watched)
    yield seen


def test_a_raw_load_scans_normalises_and_loads_with_the_collector_paused_then_resumes_it(
    pipeline_sandbox: Sandbox, collector_states: dict[str, bool]
) -> None:
    result = dg.materialize(
        list(build_raw_assets().values()),
        selection="raw_actuallycare/actuallycare_listings",
        resources={"dlt": DagsterDltResource(), "warehouse": Warehouse.from_settings()},
    )
    assert result.success
    assert collector_states == {"extract": False, "normalize": False, "load": False}
    assert gc.isenabled()
