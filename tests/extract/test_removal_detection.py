"""Absence counts as removal only from a scan that completed in full."""

from collections.abc import Callable
from datetime import datetime

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.actuallycare import actuallycare_source
from dlt_sources.avaroai import avaroai_source
from dlt_sources.estateprime import estateprime_source
from listings_sandbox import Sandbox, SandboxConfig
from orchestration.defs.ingest.pipelines import listings_pipeline

from .conftest import listed_truth


def last_scan(provider: str, account: str = "default") -> dict:
    state = listings_pipeline(provider).state["sources"][provider]["resources"]["listings"]
    return state["last_scan"][account]


def removed_on_day_one(sandbox: Sandbox, host: str) -> set[tuple[str, str]]:
    return {(e["account_id"], e["source_listing_id"]) for e in sandbox.events(host, day=1) if e["kind"] == "removed"}


def test_a_shifted_scan_retires_nothing_and_the_next_complete_one_does(pipeline_sandbox: Sandbox, raw) -> None:
    pipeline = listings_pipeline("actuallycare")
    pipeline.run(actuallycare_source())
    pipeline_sandbox.advance_day()
    pipeline_sandbox.arm_fault("actuallycare", "shift_remove", after=1)
    pipeline.run(actuallycare_source())
    assert raw.removals("actuallycare") == set()
    assert "moved" in last_scan("actuallycare")["incomplete_reason"]
    pipeline.run(actuallycare_source())
    assert last_scan("actuallycare")["complete"]
    assert raw.removals("actuallycare") >= removed_on_day_one(pipeline_sandbox, "actuallycare")
    assert set(raw.present("actuallycare")) == listed_truth(pipeline_sandbox, "actuallycare")


def test_a_failed_scan_writes_nothing_and_retires_nothing(
    pipeline_sandbox: Sandbox, raw, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__TRANSIENT_MAX_ATTEMPTS", "2")  # give up sooner
    pipeline = listings_pipeline("actuallycare")
    pipeline.run(actuallycare_source())
    before = raw.rows("actuallycare")
    pipeline_sandbox.advance_day()
    pipeline_sandbox.arm_fault("actuallycare", "server_error", times=0, after=2)  # down for good mid-scan
    with pytest.raises(PipelineStepFailed, match=r"actuallycare account default: HTTP 503 from GET /v1/listings"):
        pipeline.run(actuallycare_source())
    assert raw.rows("actuallycare") == before


def test_an_answer_missing_most_listings_retires_nothing(pipeline_sandbox: Sandbox, raw) -> None:
    pipeline = listings_pipeline("estateprime")
    pipeline.run(estateprime_source())
    pipeline.run(estateprime_source(filters={"status": "draft"}))  # a few drafts: an answer missing most listings
    assert raw.removals("estateprime") == set()
    state = pipeline.state["sources"]["estateprime"]["resources"]["listings"]["last_scan"]["1"]
    assert "max_removed_share" in state["incomplete_reason"]


def test_avaroai_retires_a_listing_only_when_two_complete_scans_miss_it(
    start_pipeline_sandbox: Callable[..., Sandbox], raw
) -> None:
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options={"avaroai": {"rate_limit": (20, 0.5)}}))
    pipeline = listings_pipeline("avaroai")
    pipeline.run(avaroai_source())
    sandbox.advance_day()
    pipeline.run(avaroai_source())
    gone = {(r["account_id"], r["source_listing_id"]) for r in sandbox.truth("avaroai")} - listed_truth(
        sandbox, "avaroai"
    )
    missed = gone & {(r.account_id, r.source_listing_id) for r in raw.rows("avaroai")}
    assert missed and raw.removals("avaroai") == set()
    assert last_scan("avaroai")["removal_pending"] == len(missed)
    first_miss = last_scan("avaroai")["started_at"]
    # the scan that missed them is on record (a miss row each), so last_seen_at can stop before it
    assert {(row.account_id, row.source_listing_id): row.observed_at for row in raw.misses("avaroai")} == {
        key: datetime.fromisoformat(first_miss) for key in missed
    }
    assert missed <= set(raw.present("avaroai"))  # still present: not removed yet
    pipeline.run(avaroai_source())
    assert raw.removals("avaroai") == missed
    removal_times = {row.observed_at for row in raw.rows("avaroai") if row.is_removal}
    assert removal_times == {datetime.fromisoformat(first_miss)}  # dated at the first scan that missed them
