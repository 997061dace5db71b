"""The AvaroAI source: link paging, and pacing that keeps it inside the quota before any 429."""

from collections.abc import Callable

import duckdb
import requests

from dlt_sources.avaroai import avaroai_source
from listings_sandbox import Sandbox, SandboxConfig
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.settings import warehouse_path


def load() -> None:
    listings_pipeline("avaroai").run(avaroai_source())


def raw_prices() -> dict[str, int]:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        rows = con.execute("""
            select source_listing_id, arg_max(payload ->> '$.published_price', observed_at)
            from raw_avaroai.listings where payload is not null group by 1
        """).fetchall()
    return {listing_id: int(price) for listing_id, price in rows}


def listed(sandbox: Sandbox) -> dict[str, int]:
    return {row["source_listing_id"]: row["price"] for row in sandbox.truth("avaroai") if row["is_listed"]}


def test_full_scan_within_a_tight_quota_lands_every_listing_without_a_429(
    start_pipeline_sandbox: Callable[..., Sandbox],
) -> None:
    # 4 requests a second: unpaced, the 10-page scan would be refused after its fourth page
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options={"avaroai": {"rate_limit": (4, 1.0)}}))
    load()
    assert raw_prices() == listed(sandbox)
    stats = sandbox.stats("avaroai")
    assert stats.get("status_429", 0) == 0
    assert stats["requests"] == -(-len(listed(sandbox)) // 20)  # one request per page, none wasted


def test_a_day_later_only_changes_are_stored_and_prices_follow(
    start_pipeline_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options={"avaroai": {"rate_limit": (20, 1.0)}}))
    load()
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        first = con.execute("select count(*) from raw_avaroai.listings").fetchone()[0]
    sandbox.advance_day()
    load()
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        added = con.execute("select count(*) from raw_avaroai.listings where payload is not null").fetchone()[0] - first
        missed = con.execute(  # a miss row each: removals wait for a second scan to confirm them
            "select source_listing_id from raw_avaroai.listings where payload is null and not is_removal"
        ).fetchall()
    events = sandbox.events("avaroai", day=1)
    changed = {e["source_listing_id"] for e in events} & listed(sandbox).keys()
    assert added == len(changed) > 0
    gone = {row["source_listing_id"] for row in sandbox.truth("avaroai") if not row["is_listed"]}
    assert {listing_id for (listing_id,) in missed} == gone & set(raw_prices())  # stored, no longer served
    assert raw_prices().items() >= listed(sandbox).items()


def test_a_429_from_a_spent_quota_is_waited_out_not_failed(start_pipeline_sandbox: Callable[..., Sandbox]) -> None:
    # a window long enough that the load's first request, on a busy machine too, meets it spent
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options={"avaroai": {"rate_limit": (20, 8.0)}}))
    info = sandbox.info()["providers"]["avaroai"]
    # someone else spends the whole window's quota with the same key
    for _ in range(20):
        requests.get(info["base_url"] + "/listings", headers={"Authorization": f"Bearer {info['api_key']}"})
    load()
    assert raw_prices() == listed(sandbox)
    assert sandbox.stats("avaroai")["status_429"] >= 1  # it was refused, waited a window, and went on
