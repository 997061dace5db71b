"""The ActuallyCare dlt source against the sandbox, over real HTTP, into a real DuckDB file."""

import duckdb

from dlt_sources.actuallycare import actuallycare_source
from dlt_sources.sandbox import Sandbox
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.settings import warehouse_path


def load() -> None:
    listings_pipeline("actuallycare").run(actuallycare_source())


def raw_rows() -> list[tuple]:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        return con.execute("""
            select source_listing_id, payload ->> '$.list_price', payload_hash, _dlt_load_id
            from raw_actuallycare.listings
        """).fetchall()


def listed_truth(sandbox: Sandbox) -> dict[str, int]:
    return {row["source_listing_id"]: row["price"] for row in sandbox.truth("actuallycare") if row["is_listed"]}


def test_full_load_lands_exactly_the_sandbox_listings(pipeline_sandbox: Sandbox) -> None:
    load()
    rows = raw_rows()
    assert {listing_id: int(price) for listing_id, price, _, _ in rows} == listed_truth(pipeline_sandbox)
    assert len(rows) == len({row[0] for row in rows})  # one version each
    assert all(row[3] for row in rows)  # every row carries its dlt load id


def test_full_scan_uses_the_minimum_number_of_requests(pipeline_sandbox: Sandbox) -> None:
    load()
    listed = len(listed_truth(pipeline_sandbox))
    assert pipeline_sandbox.stats("actuallycare")["requests"] == -(-listed // 100)


def test_unchanged_payloads_are_not_stored_again(pipeline_sandbox: Sandbox) -> None:
    load()
    before = raw_rows()
    load()
    assert raw_rows() == before


def test_after_a_day_only_new_and_changed_listings_get_a_new_version(pipeline_sandbox: Sandbox) -> None:
    load()
    before = {(listing_id, digest) for listing_id, _, digest, _ in raw_rows()}
    pipeline_sandbox.advance_day()
    load()
    added = {(listing_id, digest) for listing_id, _, digest, _ in raw_rows()} - before
    changed_ids = {
        event["source_listing_id"]
        for event in pipeline_sandbox.events("actuallycare", day=1)
        if event["kind"] != "removed"
    }
    # every listing that changed and is still listed has exactly one new version; nothing else does
    still_listed = listed_truth(pipeline_sandbox)
    assert {listing_id for listing_id, _ in added} == changed_ids & still_listed.keys()
    assert len(added) == len(changed_ids & still_listed.keys())
    latest_price = {listing_id: int(price) for listing_id, price, _, _ in sorted(raw_rows(), key=lambda r: r[3])}
    assert latest_price.items() >= still_listed.items()


def test_days_on_market_alone_does_not_make_a_new_version(pipeline_sandbox: Sandbox) -> None:
    load()
    count = len(raw_rows())
    # a day with no changes at all: only the API's recomputed days_on_market moves
    for world in pipeline_sandbox.worlds("actuallycare"):
        world.mix = type(world.mix)(**{name: 0 for name in world.mix.__dataclass_fields__})
    pipeline_sandbox.advance_day()
    load()
    assert len(raw_rows()) == count
