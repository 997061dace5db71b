"""Simulated days: a realistic mix of changes, served consistently and reported as truth."""

import json
import tracemalloc
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import pytest
import requests

from listings_sandbox import Sandbox, SandboxConfig

from .conftest import actuallycare_session, listed, provider


def test_a_day_brings_the_whole_mix_of_changes(own_sandbox: Sandbox) -> None:
    own_sandbox.advance_day()
    events = own_sandbox.events("actuallycare", day=1)
    kinds = Counter(event["kind"] for event in events)
    assert {"new_listing", "price_cut", "price_rise", "status_change", "removed", "edit"} <= kinds.keys()
    new_statuses = {event["new"] for event in events if event["kind"] == "status_change"}
    assert {"pending", "sold", "withdrawn"} <= new_statuses
    per_listing = Counter(event["source_listing_id"] for event in events)
    assert max(per_listing.values()) >= 2  # a listing changed twice in one day


def test_a_day_can_change_a_chosen_share_of_listings() -> None:
    """The benchmark's 1% and 10% days, through the control host: the same kinds, scaled."""
    config = SandboxConfig(seed=9, total_listings=20_000, rate_limits=False)
    with Sandbox(config) as sandbox:
        control = sandbox.info()["control_url"]
        live = sum(record["is_listed"] for record in sandbox.truth("apimo"))
        for share in (0.01, 0.10):
            answer = requests.post(f"{control}/advance", json={"changed_share": share}, timeout=60).json()
            changed = {e["source_listing_id"] for e in sandbox.events("apimo", day=answer["day"])}
            assert 0.6 * share * live <= len(changed) <= 1.1 * share * live
            assert sum(answer["changes"]["apimo"].values()) >= len(changed)
        bad = requests.post(f"{control}/advance", json={"changed_share": 2}, timeout=60)
        assert bad.status_code == 400 and "share" in bad.json()["error"]


def test_served_data_follows_the_days_changes(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    before = {r["id"]: r for r in session.get(url, params={"limit": 100, "page": 1}).json()["data"]["listings"]}
    before |= {
        r["id"]: r
        for page in (2, 3)
        for r in session.get(url, params={"limit": 100, "page": page}).json()["data"]["listings"]
    }
    own_sandbox.advance_day()
    by_kind = defaultdict(list)
    for event in own_sandbox.events("actuallycare", day=1):
        by_kind[event["kind"]].append(event)
    removed = by_kind["removed"][0]["source_listing_id"]
    assert session.get(f"{url}/{removed}").status_code == 404
    once = Counter(event["source_listing_id"] for event in own_sandbox.events("actuallycare", day=1))
    cut = next(e for e in by_kind["price_cut"] if once[e["source_listing_id"]] == 1)
    assert session.get(f"{url}/{cut['source_listing_id']}").json()["data"]["list_price"] == cut["new"] < cut["old"]
    edit = next(e for e in by_kind["edit"] if once[e["source_listing_id"]] == 1)
    edited = session.get(f"{url}/{edit['source_listing_id']}").json()["data"]
    original = before[edit["source_listing_id"]]
    assert edited["list_price"] == original["list_price"] and edited["description"] != original["description"]
    assert edited["updated_at"] > original["updated_at"] and edited["version"] == original["version"] + 1


def test_truth_lists_what_the_api_serves_after_days(own_sandbox: Sandbox) -> None:
    own_sandbox.advance_day()
    own_sandbox.advance_day()
    session, url = actuallycare_session(own_sandbox)
    served, page = {}, 1
    while True:
        data = session.get(url, params={"limit": 100, "page": page}).json()["data"]
        served.update({record["id"]: record["list_price"] for record in data["listings"]})
        if not data["meta"]["hasMore"]:
            break
        page += 1
    assert served == listed(own_sandbox, "actuallycare")
    removed = [row for row in own_sandbox.truth("actuallycare") if row["removed_at"]]
    assert removed and all(not row["is_listed"] for row in removed)
    history = next(row for row in own_sandbox.truth("actuallycare") if len(row["price_history"]) > 1)
    assert history["price_history"][-1]["price"] == history["price"]


def test_same_seed_same_data_and_changes_other_seed_different() -> None:
    def snapshot(seed: int) -> tuple:
        with Sandbox(SandboxConfig(seed=seed)) as sandbox:
            info = provider(sandbox, "avaroai")
            response = requests.get(
                info["base_url"] + "/listings", headers={"Authorization": f"Bearer {info['api_key']}"}
            )
            # photo URLs name the sandbox's own address, another port each time
            page = json.loads(response.text.replace(urlsplit(info["base_url"]).netloc, "sandbox"))["data"]
            sandbox.advance_day()
            return page, sandbox.events("apimo", day=1)

    first, again, other = snapshot(21), snapshot(21), snapshot(22)
    assert first == again
    assert first[0] != other[0] and first[1] != other[1]


@pytest.mark.slow  # 20 s of generating listings: `make test` runs it, `make check` leaves it
def test_a_million_listings_are_served_without_holding_them_all() -> None:
    tracemalloc.start()
    try:
        with Sandbox(SandboxConfig(total_listings=1_000_000, rate_limits=False)) as sandbox:
            assert sum(world.size for world in sandbox.worlds()) >= 999_000
            session, url = actuallycare_session(sandbox)
            deep = session.get(url, params={"limit": 100, "page": 1500}).json()["data"]
            assert len(deep["listings"]) == 100 and deep["meta"]["total"] > 150_000
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert peak_mb < 300, f"peak {peak_mb:.0f} MB: listings are being held in memory"


def test_prices_stay_whole_numbers_through_changes(own_sandbox: Sandbox) -> None:
    own_sandbox.advance_day()
    for host in ("avaroai", "estateprime", "apimo", "enclosure", "koto", "actuallycare"):
        for row in own_sandbox.truth(host):
            assert all(type(entry["price"]) is int for entry in row["price_history"]), (host, row)
