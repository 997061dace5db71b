"""The ActuallyCare dlt source against the sandbox, over real HTTP, into a real DuckDB file."""

from collections.abc import Callable

import pytest

from dlt_sources.actuallycare import actuallycare_source
from listings_sandbox import Sandbox, SandboxConfig
from orchestration.defs.ingest.pipelines import listings_pipeline


def load() -> None:
    listings_pipeline("actuallycare").run(actuallycare_source())


def listed_truth(sandbox: Sandbox) -> dict[tuple[str, str], int]:
    return {
        (row["account_id"], row["source_listing_id"]): row["price"]
        for row in sandbox.truth("actuallycare")
        if row["is_listed"]
    }


def present_prices(raw) -> dict[tuple[str, str], int]:
    return {key: int(payload["list_price"]) for key, payload in raw.present("actuallycare").items()}


def test_full_load_lands_exactly_the_sandbox_listings(pipeline_sandbox: Sandbox, raw) -> None:
    load()
    rows = raw.rows("actuallycare")
    assert present_prices(raw) == listed_truth(pipeline_sandbox)
    assert len(rows) == len({row.source_listing_id for row in rows})  # one version each, no removals
    assert all(row.load_id and row.payload_hash for row in rows)


def test_full_scan_uses_the_minimum_number_of_requests(pipeline_sandbox: Sandbox) -> None:
    load()
    listed = len(listed_truth(pipeline_sandbox))
    assert pipeline_sandbox.stats("actuallycare")["requests"] == -(-listed // 100)


def test_unchanged_payloads_are_not_stored_again(pipeline_sandbox: Sandbox, raw) -> None:
    load()
    before = raw.rows("actuallycare")
    load()
    assert raw.rows("actuallycare") == before


def test_after_a_day_only_changes_get_a_new_version_and_removals_a_removal_row(pipeline_sandbox: Sandbox, raw) -> None:
    load()
    before = set(raw.rows("actuallycare"))
    pipeline_sandbox.advance_day()
    load()
    added = set(raw.rows("actuallycare")) - before
    still_listed = listed_truth(pipeline_sandbox)
    events = pipeline_sandbox.events("actuallycare", day=1)
    changed = {(e["account_id"], e["source_listing_id"]) for e in events} & still_listed.keys()
    removed = {(e["account_id"], e["source_listing_id"]) for e in events if e["kind"] == "removed"}
    # every listing that changed and is still listed has exactly one new version; nothing else does
    new_versions = [(row.account_id, row.source_listing_id) for row in added if not row.is_removal]
    assert sorted(new_versions) == sorted(changed) and changed
    assert {(row.account_id, row.source_listing_id) for row in added if row.is_removal} == removed and removed
    assert present_prices(raw) == still_listed


def test_days_on_market_alone_does_not_make_a_new_version(pipeline_sandbox: Sandbox, raw) -> None:
    load()
    count = len(raw.rows("actuallycare"))
    # a day with no changes at all: only the API's recomputed days_on_market moves
    for world in pipeline_sandbox.worlds("actuallycare"):
        world.mix = type(world.mix)(**{name: 0 for name in world.mix.__dataclass_fields__})
    pipeline_sandbox.advance_day()
    load()
    assert len(raw.rows("actuallycare")) == count


def truth_by_key(sandbox: Sandbox) -> dict[tuple[str, str], dict]:
    return {
        (row["account_id"], row["source_listing_id"]): row for row in sandbox.truth("actuallycare") if row["is_listed"]
    }


@pytest.mark.parametrize("reading", ["summary", "document"])
def test_summaries_are_completed_by_the_single_listing_endpoint_only_where_they_changed(
    start_pipeline_sandbox: Callable[..., Sandbox], raw, monkeypatch: pytest.MonkeyPatch, reading: str
) -> None:
    """List records of 12 fields (actuallycare.txt:48-59): each new or changed one is asked about
    (GET /v1/listings/{id}, :130-170) and stored merged with the answer; an unchanged one costs
    nothing; a detail refresh finds the edits no summary shows, by `version`."""
    sandbox = start_pipeline_sandbox(
        SandboxConfig(seed=5, total_listings=400, options={"actuallycare": {"records": reading, "rate_limit": None}})
    )
    load()
    day0 = truth_by_key(sandbox)
    pages = -(-len(day0) // 100)
    assert sandbox.stats("actuallycare")["requests"] == pages + len(day0)  # every listing is new
    payloads = raw.present("actuallycare")
    assert {key: int(payload["list_price"]) for key, payload in payloads.items()} == {
        key: row["price"] for key, row in day0.items()
    }
    assert {key: payload["version"] for key, payload in payloads.items()} == {
        key: row["version"] for key, row in day0.items()
    }
    # the detail adds what the summary lacks: the full object in one reading, year_built in the other
    assert all("year_built" in payload for payload in payloads.values())
    assert all(("description" in payload) == (reading == "summary") for payload in payloads.values())

    sandbox.advance_day()
    before = sandbox.stats("actuallycare")["requests"]
    load()
    day1 = truth_by_key(sandbox)
    summary_changed = {
        key
        for key, row in day1.items()
        if key not in day0 or (row["price"], row["status"]) != (day0[key]["price"], day0[key]["status"])
    }
    edited_only = {key for key in day1.keys() - summary_changed if day1[key]["version"] != day0[key]["version"]}
    assert summary_changed and edited_only  # the day changed summaries, and made edits no summary shows
    gone = day0.keys() - day1.keys()  # asked about before being retired: 404
    assert gone
    assert sandbox.stats("actuallycare")["requests"] - before == -(-len(day1) // 100) + len(summary_changed) + len(gone)
    versions = {key: payload["version"] for key, payload in raw.present("actuallycare").items()}
    assert {key for key in day1 if versions[key] != day1[key]["version"]} == edited_only  # not seen yet

    # a detail refresh asks about every listing, and stores the ones whose version moved
    monkeypatch.setenv("SOURCES__ACTUALLYCARE__DETAIL_REFRESH_EVERY_HOURS", "0.000001")
    stored = len(raw.rows("actuallycare"))
    before = sandbox.stats("actuallycare")["requests"]
    load()
    assert sandbox.stats("actuallycare")["requests"] - before == -(-len(day1) // 100) + len(day1)
    assert len(raw.rows("actuallycare")) - stored == len(edited_only)
    versions = {key: payload["version"] for key, payload in raw.present("actuallycare").items()}
    assert versions == {key: row["version"] for key, row in day1.items()}
    assert raw.repeated_versions("actuallycare") == []


def test_full_list_records_ask_no_single_listing_request(pipeline_sandbox: Sandbox, raw) -> None:
    load()
    day0 = listed_truth(pipeline_sandbox)
    pipeline_sandbox.advance_day()
    load()  # edits show in full records (a new version), without any detail request
    day1 = listed_truth(pipeline_sandbox)
    gone = day0.keys() - day1.keys()  # each asked about once before it is retired
    assert pipeline_sandbox.stats("actuallycare")["requests"] == -(-len(day0) // 100) + -(-len(day1) // 100) + len(gone)
    edited = {
        (e["account_id"], e["source_listing_id"])
        for e in pipeline_sandbox.events("actuallycare", day=1)
        if e["kind"] == "edit"
    }
    versions = {key: payload["version"] for key, payload in raw.present("actuallycare").items()}
    assert edited and {key: versions[key] for key in edited if key in versions} == {
        key: row["version"] for key, row in truth_by_key(pipeline_sandbox).items() if key in edited
    }


def test_single_listing_requests_are_paced_within_the_quota_with_the_pages(
    start_pipeline_sandbox: Callable[..., Sandbox], raw, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One detail request per new summary: paced by the same window as the list, so a first load of
    several times the quota meets no 429."""
    sandbox = start_pipeline_sandbox(
        SandboxConfig(
            seed=5, total_listings=200, options={"actuallycare": {"records": "summary", "rate_limit": (10, 1.0)}}
        )
    )
    monkeypatch.setenv("SOURCES__ACTUALLYCARE__MAX_REQUESTS_PER_WINDOW", "10")
    monkeypatch.setenv("SOURCES__ACTUALLYCARE__RATE_WINDOW_SECONDS", "1.0")
    load()
    listed = truth_by_key(sandbox)
    stats = sandbox.stats("actuallycare")
    assert stats["requests"] == -(-len(listed) // 100) + len(listed) > 3 * 10  # several windows' worth
    assert stats.get("status_429", 0) == 0
    assert all("description" in payload for payload in raw.present("actuallycare").values())
