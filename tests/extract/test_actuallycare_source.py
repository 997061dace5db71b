"""The ActuallyCare dlt source against the sandbox, over real HTTP, into a real DuckDB file."""

from dlt_sources.actuallycare import actuallycare_source
from listings_sandbox import Sandbox
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
