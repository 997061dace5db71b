"""EstatePrime's draft and deleted statuses (estateprime.txt:161-162, :271) over simulated days."""

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from listings_sandbox import OPEN_WORLD_VALUES, Sandbox, SandboxConfig

from .conftest import provider

DAYS = 5


def athens(at: str) -> str:
    """A truth or event instant as EstatePrime writes it: naive Athens local time."""
    instant = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return instant.astimezone(ZoneInfo("Europe/Athens")).strftime("%Y-%m-%d %H:%M:%S")


def get(sandbox: Sandbox, store: int, path: str = "/listings", body: dict | None = None) -> requests.Response:
    info = provider(sandbox, "estateprime")
    headers = {info["auth_header"]: info["accounts"][store]["api_key"]}
    return requests.get(info["base_url"] + path, headers=headers, json=body or {})


def scan(sandbox: Sandbox, **filters) -> dict[str, dict]:
    """Every record each store's list serves, by id."""
    seen: dict[str, dict] = {}
    for store in range(len(provider(sandbox, "estateprime")["accounts"])):
        page = 1
        while True:
            body = get(sandbox, store, body={"page": page, **filters}).json()
            seen.update({str(record["id"]): record for record in body["data"]})
            if page >= body["total_pages"]:
                break
            page += 1
    return seen


def days_later(config: SandboxConfig) -> Sandbox:
    sandbox = Sandbox(config).start()
    for _ in range(DAYS):
        sandbox.advance_day()
    return sandbox


@pytest.fixture(scope="module")
def default_days() -> Iterator[Sandbox]:
    sandbox = days_later(SandboxConfig(seed=9))
    yield sandbox
    sandbox.stop()


def test_drafts_are_listed_and_published_days_later(default_days: Sandbox) -> None:
    truth = {row["source_listing_id"]: row for row in default_days.truth("estateprime")}
    events = default_days.events("estateprime")
    drafts = {listing_id for listing_id, row in truth.items() if row["status"] == "draft"}
    published = [e for e in events if e["kind"] == "status_change" and e["old"] == "draft"]
    assert drafts and published and all(e["new"] == "active" for e in published)
    served = scan(default_days)
    assert {listing_id for listing_id, record in served.items() if record["status"] == "draft"} == drafts
    assert all(truth[listing_id]["is_listed"] for listing_id in drafts)
    assert scan(default_days, status="draft").keys() == drafts
    last_status_change = {e["source_listing_id"]: e for e in events if e["kind"] == "status_change"}
    for event in published:
        listing_id = event["source_listing_id"]
        created = next(e for e in events if e["kind"] == "new_listing" and e["source_listing_id"] == listing_id)
        assert created["day"] < event["day"] <= created["day"] + 3
        if last_status_change[listing_id] is event and not truth[listing_id]["removed_at"]:
            assert served[listing_id]["status_date"] == athens(event["at"])


def test_a_deletion_is_served_as_status_deleted_and_removed_in_the_truth(default_days: Sandbox) -> None:
    truth = {row["source_listing_id"]: row for row in default_days.truth("estateprime")}
    removed = [e for e in default_days.events("estateprime") if e["kind"] == "removed"]
    assert removed
    served = scan(default_days)
    for event in removed:
        listing_id = event["source_listing_id"]
        record, row = served[listing_id], truth[listing_id]
        assert record["status"] == "deleted" and record["status_date"] == athens(event["at"])
        assert row["is_listed"] is False and row["removed_at"] == event["at"]
        # the last status before the deletion, raw if it was an open-world word
        assert row["status"] in (event["old"], *OPEN_WORLD_VALUES["estateprime"]["status"])
    assert scan(default_days, status="deleted").keys() == {e["source_listing_id"] for e in removed}
    assert served.keys() == {listing_id for listing_id, row in truth.items() if row["is_listed"] or row["removed_at"]}
    store = next(i for i, a in enumerate(provider(default_days, "estateprime")["accounts"]) if a["account_id"] == "1")
    deleted = next(e["source_listing_id"] for e in removed if e["account_id"] == "1")
    single = get(default_days, store, f"/listings/{deleted}")
    assert single.status_code == 200 and single.json()["data"]["status"] == "deleted"


def test_the_older_readings_hide_drafts_and_drop_removed_listings() -> None:
    sandbox = days_later(SandboxConfig(seed=9, options={"estateprime": {"soft_delete": False, "drafts_listed": False}}))
    try:
        truth = {row["source_listing_id"]: row for row in sandbox.truth("estateprime")}
        drafts = {listing_id for listing_id, row in truth.items() if row["status"] == "draft"}
        removed = {listing_id for listing_id, row in truth.items() if row["removed_at"]}
        assert drafts and removed
        assert not any(truth[listing_id]["is_listed"] for listing_id in drafts | removed)
        served = scan(sandbox)
        assert served.keys() == {listing_id for listing_id, row in truth.items() if row["is_listed"]}
        assert {record["status"] for record in served.values()}.isdisjoint({"draft", "deleted"})
        store = next(i for i, a in enumerate(provider(sandbox, "estateprime")["accounts"]) if a["account_id"] == "1")
        gone = next(listing_id for listing_id in removed | drafts if truth[listing_id]["account_id"] == "1")
        assert get(sandbox, store, f"/listings/{gone}").status_code == 404
    finally:
        sandbox.stop()
