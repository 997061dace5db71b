"""The EstatePrime source: page numbers in a JSON body on GET, several stores, lookups as tables."""

from collections.abc import Callable

import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.estateprime import estateprime_source
from listings_sandbox import Sandbox, SandboxConfig
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.settings import warehouse_path


def load(**settings) -> None:
    listings_pipeline("estateprime").run(estateprime_source(**settings))


def listed_truth(sandbox: Sandbox) -> dict[tuple[str, str], int]:
    return {
        (row["account_id"], row["source_listing_id"]): row["price"]
        for row in sandbox.truth("estateprime")
        if row["is_listed"]
    }


def test_full_load_lands_every_stores_listings_in_the_fewest_requests(pipeline_sandbox: Sandbox, raw) -> None:
    load()
    truth = listed_truth(pipeline_sandbox)
    assert {key: payload["price"] for key, payload in raw.present("estateprime").items()} == truth
    assert len(raw.rows("estateprime")) == len(truth)
    per_store = [sum(1 for account, _ in truth if account == store) for store in ("1", "2")]
    lookups = 3 * 2  # three lookup lists per store
    assert pipeline_sandbox.stats("estateprime")["requests"] == sum(-(-n // 50) for n in per_store) + lookups


def test_lookup_lists_land_as_their_own_versioned_tables(pipeline_sandbox: Sandbox) -> None:
    load()
    load()  # unchanged lists are not stored again
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        for table in ("sources", "tags", "custom_fields"):
            rows = con.execute(f"select account_id, source_record_id, payload from raw_estateprime.{table}").fetchall()
            assert {account for account, _, _ in rows} == {"1", "2"}
            assert len(rows) == len(set(rows)) > 0
        tags = con.execute("select payload ->> '$.name' from raw_estateprime.tags where account_id = '1'").fetchall()
    assert ("Price Reduced",) in tags


def test_body_filters_narrow_the_scan(pipeline_sandbox: Sandbox, raw) -> None:
    load(filters={"availability": ["rent", "shortterm"]})
    availabilities = {payload["availability"] for payload in raw.present("estateprime").values()}
    assert availabilities == {"rent", "shortterm"}


def test_a_day_later_changes_get_versions_and_removals_are_recorded(pipeline_sandbox: Sandbox, raw) -> None:
    load()
    before = set(raw.rows("estateprime"))
    pipeline_sandbox.advance_day()
    load()
    added = set(raw.rows("estateprime")) - before
    truth = listed_truth(pipeline_sandbox)
    events = pipeline_sandbox.events("estateprime", day=1)
    changed = {(e["account_id"], e["source_listing_id"]) for e in events} & truth.keys()
    removed = {(e["account_id"], e["source_listing_id"]) for e in events if e["kind"] == "removed"}
    assert removed  # the day removed some
    # a removal is a soft delete the API still serves (estateprime.txt:161): a version saying so, not
    # an absence; the marts read it as removed
    assert {(row.account_id, row.source_listing_id) for row in added if not row.is_removal} == changed | removed
    assert {row.payload["status"] for row in added if (row.account_id, row.source_listing_id) in removed} == {"deleted"}
    assert {(row.account_id, row.source_listing_id) for row in added if row.is_removal} == set()
    assert {key: payload["price"] for key, payload in raw.present("estateprime").items()} == truth


def test_the_key_after_a_bearer_scheme_is_a_supported_reading(
    start_pipeline_sandbox: Callable[..., Sandbox], raw
) -> None:
    """The document's Authentication section is missing: a deployment may want `Authorization:
    Bearer <key>` rather than the key alone in `X-Api-Key`. The sandbox serves the reading it is given."""
    sandbox = start_pipeline_sandbox(
        SandboxConfig(seed=3, options={"estateprime": {"auth_header": "Authorization", "auth_scheme": "Bearer"}})
    )
    load()
    assert {key for key in raw.present("estateprime")} == set(listed_truth(sandbox))


def test_a_key_without_the_scheme_the_server_expects_fails_at_once(
    start_pipeline_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = start_pipeline_sandbox(
        SandboxConfig(seed=3, options={"estateprime": {"auth_header": "Authorization", "auth_scheme": "Bearer"}})
    )
    monkeypatch.setenv("SOURCES__ESTATEPRIME__AUTH_SCHEME", "")
    with pytest.raises(PipelineStepFailed, match="HTTP 401 from GET /api/listings: the credentials were refused"):
        load()
    assert sandbox.stats("estateprime")["requests"] == 1


def test_a_listing_that_leaves_the_filters_is_asked_about_not_removed(pipeline_sandbox: Sandbox, raw) -> None:
    """Scanning only active listings, one that turns pending, archived or deleted leaves the scan but
    not the API: GET /api/listings/{id} (estateprime.txt:328-345) answers, and the answer is stored."""
    load(filters={"status": "active"})
    active_before = {key for key, payload in raw.present("estateprime").items() if payload["status"] == "active"}
    requests_before = pipeline_sandbox.stats("estateprime")["requests"]
    pipeline_sandbox.advance_day()
    load(filters={"status": "active"})
    still_active = {
        (row["account_id"], row["source_listing_id"])
        for row in pipeline_sandbox.truth("estateprime")
        if row["is_listed"] and row["status"] == "active"
    }
    left = active_before - still_active
    assert left  # the day moved some listings out of `active`
    assert raw.removals("estateprime") == set()  # the API still had every one of them
    latest = {}
    for row in raw.versions("estateprime"):
        latest[(row.account_id, row.source_listing_id)] = row.payload["status"]
    assert {key: latest[key] for key in left} == {key: latest[key] for key in left if latest[key] != "active"}
    asked = pipeline_sandbox.stats("estateprime")["requests"] - requests_before
    assert asked >= len(left)  # one single-listing request each, besides the pages
