"""The Apimo source: offset paging per agency, and a ``timestamp`` cursor that only moves with a load."""

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.apimo import apimo_source
from listings_sandbox import Sandbox
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.settings import warehouse_path


def load() -> None:
    listings_pipeline("apimo").run(apimo_source())


def raw_rows() -> list[tuple[str, str, int]]:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        return [
            (account, listing_id, int(price))
            for account, listing_id, price in con.execute(
                "select account_id, source_listing_id, payload -> '$.price' ->> '$.value' from raw_apimo.listings"
            ).fetchall()
        ]


def cursors() -> dict[str, int]:
    state = listings_pipeline("apimo").state["sources"]["apimo"]["resources"]["listings"]
    return dict(state["timestamp_by_agency"])


def test_full_load_lands_every_agencys_listings_in_the_fewest_requests(pipeline_sandbox: Sandbox) -> None:
    load()
    expected = {
        (row["account_id"], row["source_listing_id"], row["price"])
        for row in pipeline_sandbox.truth("apimo")
        if row["is_listed"]
    }
    assert set(raw_rows()) == expected and len(raw_rows()) == len(expected)
    per_agency = [sum(1 for row in expected if row[0] == agency) for agency in {row[0] for row in expected}]
    # one request per page of 200 per agency, plus at most one that finds the end
    assert pipeline_sandbox.stats("apimo")["requests"] <= sum(-(-n // 200) + 1 for n in per_agency)
    assert set(cursors()) == {"2841", "3317"}


def test_next_day_reads_only_updates_since_the_cursor_and_stores_the_changes(pipeline_sandbox: Sandbox) -> None:
    load()
    before, first_cursors = len(raw_rows()), cursors()
    requests_before = pipeline_sandbox.stats("apimo")["requests"]
    pipeline_sandbox.advance_day()
    load()
    listed = {row["source_listing_id"] for row in pipeline_sandbox.truth("apimo") if row["is_listed"]}
    changed = {event["source_listing_id"] for event in pipeline_sandbox.events("apimo", day=1)} & listed
    assert len(raw_rows()) - before == len(changed) > 0
    assert pipeline_sandbox.stats("apimo")["requests"] - requests_before == 2  # one small page per agency
    assert all(cursors()[agency] > first_cursors[agency] for agency in first_cursors)


@pytest.mark.usefixtures("quick_give_up")
def test_a_failed_load_does_not_move_the_cursor(pipeline_sandbox: Sandbox) -> None:
    load()
    first_cursors = cursors()
    pipeline_sandbox.advance_day()
    pipeline_sandbox.arm_fault("apimo", "server_error", times=0, after=1)  # the second agency fails for good
    with pytest.raises(PipelineStepFailed):
        load()
    pipeline_sandbox.clear_faults("apimo")
    assert cursors() == first_cursors
    load()  # and the next run catches up on everything it missed
    listed = {row["source_listing_id"] for row in pipeline_sandbox.truth("apimo") if row["is_listed"]}
    latest = {listing_id for _, listing_id, _ in raw_rows()}
    assert listed <= latest


def test_a_shift_while_paging_retires_nothing_then_the_next_scan_reconciles(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Apimo pages oldest first: a property created (at the end) and the oldest one removed while a
    full scan pages leave `total_items` and the count of distinct properties seen right, while the
    record at the page boundary moves up into the page already read. Each page re-reads the last
    record of the one before, so the shift shows and the scan retires nothing."""
    monkeypatch.setenv("SOURCES__APIMO__PAGE_SIZE", "50")
    monkeypatch.setenv("SOURCES__APIMO__RECONCILE_EVERY_HOURS", "0")  # every run a full scan
    load()
    pipeline_sandbox.arm_fault("apimo", "shift_insert")  # after the first page is served
    pipeline_sandbox.arm_fault("apimo", "shift_remove")
    load()
    listed = {
        (row["account_id"], row["source_listing_id"]) for row in pipeline_sandbox.truth("apimo") if row["is_listed"]
    }
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        removed = set(
            con.execute("select account_id, source_listing_id from raw_apimo.listings where is_removal").fetchall()
        )
    assert removed == set()  # nothing retired, although the removed one was missed: the scan was not complete
    load()  # the next, clean scan retires exactly the one removed
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        removed = set(
            con.execute("select account_id, source_listing_id from raw_apimo.listings where is_removal").fetchall()
        )
    [gone] = [event for event in pipeline_sandbox.events("apimo", day=0) if event["kind"] == "removed"]
    assert removed == {(gone["account_id"], gone["source_listing_id"])} and not removed & listed
