"""The project's Dagster instance (orchestration/dagster.yaml) stores its events through an event log
that keeps its connections (orchestration/platform/dagster_storage.py), in Dagster's own SQLite files:
what it writes, Dagster's stock storage reads back, a long-lived process holds a bounded number of
those files open, and a watcher (the UI following a run) sees each event as it is stored."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli.instance import DAGSTER_YAML_FILE
from orchestration.platform.dagster_storage import OPEN_RUN_FILES, KeptConnectionsSqliteEventLogStorage


@dg.asset(check_specs=[dg.AssetCheckSpec("has_rows", asset="listings_count")])
def listings_count() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"rows": 3}, check_results=[dg.AssetCheckResult(check_name="has_rows", passed=True)]
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML_FILE.read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def instance(home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as project_instance:
        yield project_instance


def open_database_files() -> list[str]:
    files = []
    for descriptor in os.listdir("/proc/self/fd"):
        try:
            files.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        except FileNotFoundError:  # the listing's own descriptor, closed by now
            continue
    return [file for file in files if file.endswith(".db")]


def test_the_project_instance_stores_events_through_kept_connections(instance: dg.DagsterInstance) -> None:
    assert isinstance(instance.event_log_storage, KeptConnectionsSqliteEventLogStorage)
    result = dg.materialize([listings_count], instance=instance)
    assert result.success
    kinds = [entry.dagster_event_type for entry in instance.all_logs(result.run_id) if entry.is_dagster_event]
    assert dg.DagsterEventType.ASSET_MATERIALIZATION in kinds
    assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in kinds


def test_what_it_writes_dagsters_own_storage_reads(home: Path, instance: dg.DagsterInstance, tmp_path: Path) -> None:
    result = dg.materialize([listings_count], instance=instance)
    # Dagster's stock SQLite storage on the same files: the layout an instance had before, and has again
    # for an operator who drops the project's storage section
    stock_home = tmp_path / "stock"
    stock_home.mkdir()
    (stock_home / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {home}\n")
    with dg.DagsterInstance.from_config(str(stock_home)) as stock:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert stock.get_run_by_id(result.run_id).is_success
        materialization = stock.get_latest_materialization_event(dg.AssetKey("listings_count"))
        assert materialization is not None and materialization.run_id == result.run_id
        check = stock.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("listings_count"), "has_rows")]
        )
        assert check[dg.AssetCheckKey(dg.AssetKey("listings_count"), "has_rows")].run_id == result.run_id


def test_a_long_lived_process_keeps_few_run_files_open(instance: dg.DagsterInstance) -> None:
    runs = [dg.materialize([listings_count], instance=instance).run_id for _ in range(OPEN_RUN_FILES + 3)]
    run_files = [file for file in open_database_files() if Path(file).stem in runs]
    # the most recent runs' files and no others (each file may hold its write-ahead log's handle too)
    assert run_files, "no run file kept open: the event log opens a connection per event again"
    assert {Path(file).stem for file in run_files} <= set(runs[-OPEN_RUN_FILES:])
    # every run's events are there, the closed files' included
    for run_id in runs:
        assert instance.get_run_by_id(run_id).is_success
        assert any(entry.is_dagster_event for entry in instance.all_logs(run_id))
    instance.event_log_storage.dispose()
    assert not [file for file in open_database_files() if Path(file).stem in runs]


@dg.op
def nothing() -> None:
    pass


@dg.job
def watched() -> None:
    nothing()


def test_a_watcher_sees_a_runs_events_as_they_are_stored(instance: dg.DagsterInstance) -> None:
    # how the UI follows a run live: with the connections kept, the run's file itself changes only at
    # SQLite's checkpoints (its writes go to the write-ahead log), so a watch must not wait for it
    run = instance.create_run_for_job(watched)
    seen: list[str] = []

    def follow(entry: dg.EventLogEntry, _cursor: str) -> None:
        seen.append(entry.message)

    def seen_within(message: str, seconds: float = 10) -> bool:
        deadline = time.monotonic() + seconds
        while message not in seen and time.monotonic() < deadline:
            time.sleep(0.1)
        return message in seen

    instance.report_engine_event("event 0", run)  # the run's file made, and its schema
    time.sleep(1)  # its creation long past
    instance.watch_event_logs(run.run_id, None, follow)
    try:
        for index in (1, 2):
            instance.report_engine_event(f"event {index}", run)
            assert seen_within(f"event {index}"), seen
    finally:
        instance.end_watch_event_logs(run.run_id, follow)
    assert seen[-2:] == ["event 1", "event 2"]
