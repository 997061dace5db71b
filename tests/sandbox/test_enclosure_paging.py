"""Enclosure/Koto paging at its limits: more than a page of listings created in one second, and
`created_min` read to the letter of enclosure_koto.txt:227."""

from collections import Counter

import requests

from listings_sandbox import Sandbox, SandboxConfig

from .conftest import listed, provider

PAGE = 50  # the most `limit` allows (enclosure_koto.txt:42)
BURST = 120


def search(sandbox: Sandbox, host: str, **params) -> list[dict]:
    info = provider(sandbox, host)
    response = requests.get(info["base_url"] + "/listings", params={"key": info["key"], **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def keyset_scan(
    sandbox: Sandbox, host: str, territory: str, created_min: str | None = None, prices: tuple[int, int] = (0, 10**9)
) -> tuple[dict[str, dict], int]:
    """Page by `created_min` on `created_at asc` (inclusive, enclosure_koto.txt:63); a full page of one
    creation second cannot be stepped past, so split it by price (:48-49) and scan each half.
    Returns the records by id and how many splits it took."""
    seen, splits = {}, 0
    while True:
        params = {"territory": territory, "sort_by": "created_at asc", "limit": PAGE}
        params |= {"price_min": prices[0], "price_max": prices[1]}
        records = search(sandbox, host, **params, **({"created_min": created_min} if created_min else {}))
        seen.update({record["id"]: record for record in records})
        if len(records) < PAGE:
            return seen, splits
        first, last = records[0]["created_at"], records[-1]["created_at"]
        if first == last:  # all ties: the same page would come back forever
            low, high = prices
            assert low < high, "a price range of one value still holds more than a page"
            middle = (low + high) // 2
            for half in ((low, middle), (middle + 1, high)):
                found, deeper = keyset_scan(sandbox, host, territory, first, half)
                seen.update(found)
                splits += 1 + deeper
            return seen, splits
        created_min = last


def test_a_burst_of_listings_in_one_second_is_served_whole_by_split_keyset_paging() -> None:
    burst = {"same_second_burst": BURST}
    with Sandbox(SandboxConfig(seed=9, options={"enclosure": burst, "koto": burst})) as sandbox:
        assert listed(sandbox, "enclosure") == {
            listing_id: record["price"]
            for territory in provider(sandbox, "enclosure")["territories"]
            for listing_id, record in keyset_scan(sandbox, "enclosure", territory)[0].items()
        }  # day 0: no burst, no split needed
        sandbox.advance_day()
        for host in ("enclosure", "koto"):
            created = Counter(e["at"] for e in sandbox.events(host, day=1) if e["kind"] == "new_listing")
            second, count = created.most_common(1)[0]
            assert count == BURST and second.endswith("T18:00:00Z")  # noon of day 1 (the day starts at 06:00Z)
            seen, splits = {}, 0
            for territory in provider(sandbox, host)["territories"]:
                found, territory_splits = keyset_scan(sandbox, host, territory)
                seen.update(found)
                splits += territory_splits
            assert splits > 0  # some territory got more than a page of the burst
            assert {listing_id: record["price"] for listing_id, record in seen.items()} == listed(sandbox, host)
            ties = [record for record in seen.values() if record["created_at"] == second]
            assert len(ties) == BURST
            tied = {"territory": "ter_west", "sort_by": "created_at asc", "limit": PAGE, "created_min": second}
            stuck = search(sandbox, host, **tied)  # created_min cannot step past the burst second...
            assert len(stuck) == PAGE and {record["created_at"] for record in stuck} == {second}
            again = search(sandbox, host, **tied)
            assert [record["id"] for record in again] == [record["id"] for record in stuck]  # ties: a stable order


def test_the_burst_is_off_by_default() -> None:
    assert SandboxConfig().host_options("enclosure").same_second_burst == 0
    assert SandboxConfig().host_options("koto").same_second_burst == 0


def test_strict_created_min_takes_the_documented_pattern_only(docs_sandbox: Sandbox) -> None:
    """`YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]` (enclosure_koto.txt:227). An unencoded `+` reaches the
    server as a space, in both the seconds and the minutes spellings."""
    info = provider(docs_sandbox, "enclosure")
    typed = f"{info['base_url']}/listings?key={info['key']}&territory=ter_west&created_min="
    for unencoded in ("2026-01-01T00:00:00+02:00", "2026-01-01T00:00+02:00"):
        response = requests.get(typed + unencoded)  # sent as typed: the query string reads `+` as a space
        assert response.status_code == 400 and "created_min" in response.json()["error"], unencoded
        assert requests.get(typed + unencoded.replace("+", "%2B")).status_code == 200, unencoded
    for refused in (
        "2026-01-01T00:00:00+0200",
        "2026-01-01T00:00:00+02",
        "2026-01-01 00:00:00Z",
        "2026-01-01T00:00:00.000Z",
        "2026-01-01",
    ):
        params = {"key": info["key"], "territory": "ter_west", "created_min": refused}  # encoded by requests
        assert requests.get(info["base_url"] + "/listings", params=params).status_code == 400, refused
