"""Scan progress, summaries and waits reach the Dagster run's event log, under the demo's instance
settings, in lines `listings run` parses back (dlt_sources.common.scan, dlt_sources.common.http)."""

from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_dlt import DagsterDltResource

from dlt_sources.common.http import RequestWait
from dlt_sources.common.scan import ScanProgress, ScanSummary
from listings_sandbox import Sandbox, SandboxConfig
from orchestration.cli.instance import DAGSTER_YAML_FILE
from orchestration.defs.ingest.assets import build_raw_assets
from orchestration.warehouse.resource import Warehouse


def load(instance: dg.DagsterInstance, selection: dg.AssetSelection | str) -> list[str]:
    """Materialise raw assets; the messages their run logged."""
    result = dg.materialize(
        list(build_raw_assets().values()),
        selection=selection,
        resources={"dlt": DagsterDltResource(), "warehouse": Warehouse.from_settings()},
        instance=instance,
    )
    assert result.success
    return [entry.user_message for entry in instance.all_logs(result.run_id) if entry.user_message]


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    settings = yaml.safe_load(DAGSTER_YAML_FILE.read_text())
    overrides = {"python_logs": settings["python_logs"]}
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster"), overrides=overrides) as test_instance:
        yield test_instance


def test_scan_progress_and_summary_appear_in_the_runs_event_log_and_parse_back(
    pipeline_sandbox: Sandbox, instance: dg.DagsterInstance
) -> None:
    messages = load(instance, "raw_actuallycare/actuallycare_listings")
    progress = [parsed for text in messages if (parsed := ScanProgress.parse(text))]
    assert progress[0].message().startswith("actuallycare account default: page 1, 100 of 300 listings read")
    assert (progress[0].provider, progress[0].account_id, progress[0].pages, progress[0].records) == (
        "actuallycare",
        "default",
        1,
        100,
    )
    assert progress[0].expected == 300 and not progress[0].expected_is_estimate and progress[0].eta_s is not None
    [(summary, lookup)] = [parsed for text in messages if (parsed := ScanSummary.parse(text))]
    assert lookup is None and summary.complete and (summary.pages, summary.records, summary.new) == (3, 300, 300)
    summary_line = "actuallycare account default: full scan complete: 3 pages, 300 listings (300 new"
    assert any(summary_line in message for message in messages)


def test_a_scan_without_a_total_expects_as_many_as_the_last_complete_scan(
    start_pipeline_sandbox: Callable[..., Sandbox], instance: dg.DagsterInstance
) -> None:
    """AvaroAI sends no total: the first scan has no ETA, the next one expects the last one's count.
    (Its quota's window shrunk to 6 s, the client told so: two scans fit in a few seconds.)"""
    start_pipeline_sandbox(SandboxConfig(seed=3, options={"avaroai": {"rate_limit": (20, 6.0)}}))
    first = [parsed for text in load(instance, "raw_avaroai/avaroai_listings") if (parsed := ScanProgress.parse(text))]
    assert first and all(progress.expected is None and progress.eta_s is None for progress in first)
    second = load(instance, "raw_avaroai/avaroai_listings")
    [(last_scan, _)] = [parsed for text in second if (parsed := ScanSummary.parse(text))]
    progress = [parsed for text in second if (parsed := ScanProgress.parse(text))]
    assert progress[0].expected == last_scan.records and progress[0].expected_is_estimate
    assert f"avaroai account default: page 1, 20 of about {last_scan.records} listings read" in progress[0].message()
    assert progress[0].eta_s is not None


def test_estateprime_lookups_are_logged_as_lookups_not_as_listing_scans(
    pipeline_sandbox: Sandbox, instance: dg.DagsterInstance
) -> None:
    messages = load(instance, dg.AssetSelection.key_prefixes("raw_estateprime"))
    summaries = [parsed for text in messages if (parsed := ScanSummary.parse(text))]
    stores = {summary.account_id for summary, _ in summaries}
    lookups = {(summary.account_id, lookup) for summary, lookup in summaries if lookup}
    assert lookups == {(store, table) for store in stores for table in ("tags", "sources", "custom fields")}
    for text in messages:  # a lookup's line never reads like a scan of listings
        if any(f"{table} lookup" in text for table in ("tags", "sources", "custom fields")):
            assert "listings" not in text and "full scan" not in text, text
    assert sum(lookup is None for _, lookup in summaries) == len(stores)  # one listings scan per store
    assert any(text.startswith("estateprime account 1: tags lookup complete: 1 pages, ") for text in messages)


def test_a_retried_request_is_logged_as_a_wait_with_its_cause(
    pipeline_sandbox: Sandbox, instance: dg.DagsterInstance, quick_give_up: None
) -> None:
    pipeline_sandbox.arm_fault("actuallycare", "rate_limit_burst", times=1, retry_after=1)
    waits = [
        parsed
        for text in load(instance, "raw_actuallycare/actuallycare_listings")
        if (parsed := RequestWait.parse(text))
    ]
    [wait] = [wait for wait in waits if wait.is_retry]
    assert wait.after_429 and wait.seconds == 1 and wait.reason == "Retry-After"
    assert wait.message() == (
        "actuallycare account default: GET /v1/listings: HTTP 429 (attempt 1); retrying in 1 s (Retry-After)"
    )
