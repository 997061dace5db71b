"""The same real-world home on several US providers, and re-listed: what the sandbox serves of it,
and what its truth says (``home_id``), which the property matching is scored against."""

import re
from collections import defaultdict
from collections.abc import Iterator

import pytest
import requests

from listings_sandbox import Sandbox, SandboxConfig
from listings_sandbox.homes import HomePool, match_quality

US_HOSTS = ("enclosure", "koto", "actuallycare")


@pytest.fixture(scope="module")
def days_on() -> Iterator[Sandbox]:
    """A sandbox of about 6,000 listings, six simulated days on: enough removals to re-list."""
    with Sandbox(SandboxConfig(seed=13, total_listings=6000, rate_limits=False)) as sandbox:
        for _ in range(6):
            sandbox.advance_day()
        yield sandbox


def served(sandbox: Sandbox, host: str, listing_id: str) -> dict:
    """A listing's record as its host serves it, over HTTP."""
    info = sandbox.info()["providers"][host]
    if host == "actuallycare":
        answer = requests.get(f"{info['base_url']}/listings/{listing_id}", headers={"X-API-Key": info["api_key"]})
        return answer.json()["data"]
    return requests.get(f"{info['base_url']}/listings/{listing_id}", params={"key": info["key"]}).json()


def homes_by_id(sandbox: Sandbox) -> dict[str, list[tuple[str, dict]]]:
    homes = defaultdict(list)
    for host in sandbox.info()["providers"]:
        for record in sandbox.truth(host):
            homes[record["home_id"]].append((host, record))
    return homes


def static(sandbox: Sandbox, host: str, listing_id: str) -> dict:
    """A listing's static attributes, served or not (a removed listing is served no more)."""
    world = sandbox.apps[host].world
    return world.static(world.generator.listing_idx(listing_id))


def test_the_pool_is_the_same_in_every_process_for_a_seed_and_differs_for_another() -> None:
    assert HomePool(13).home(41) == HomePool(13).home(41)
    assert HomePool(13).home(41) != HomePool(14).home(41)


def test_a_fifth_of_each_us_providers_listings_are_homes_other_providers_list(days_on: Sandbox) -> None:
    homes = homes_by_id(days_on)
    for host in US_HOSTS:
        records = days_on.truth(host)
        shared = [r for r in records if {h for h, _ in homes[r["home_id"]]} - {host}]
        assert 0.15 <= len(shared) / len(records) <= 0.25, host
    assert not any(host not in US_HOSTS for listings in homes.values() if len(listings) > 1 for host, _ in listings)
    providers_per_home = [len({host for host, _ in listings}) for listings in homes.values()]
    assert 2 in providers_per_home and 3 in providers_per_home


def test_a_home_on_two_providers_is_shown_in_each_ones_format(days_on: Sandbox) -> None:
    homes = homes_by_id(days_on)
    compared = 0
    for listings in homes.values():
        by_host = {host: record for host, record in listings if record["is_listed"]}
        if not {"enclosure", "koto", "actuallycare"} <= by_host.keys():
            continue
        enclosure, koto, actuallycare = (
            served(days_on, host, by_host[host]["source_listing_id"]) for host in ("enclosure", "koto", "actuallycare")
        )
        # one home: one ZIP code and city; the street lines the same once case, suffix and unit style agree
        assert enclosure["zip_code"] == koto["zip_code"] == actuallycare["zip_code"]
        assert enclosure["city"] == koto["city"] == actuallycare["city"]
        assert re.fullmatch(r"\d+ .+ (Ave|St|Dr|Blvd|Rd|Ln|Way)", enclosure["street_address"])  # enclosure_koto.txt:148
        assert not re.search(r" (Ave|St|Dr|Blvd|Rd|Ln)$", koto["street_address"], re.IGNORECASE)  # written in full
        assert koto["street_address"].split()[0] == enclosure["street_address"].split()[0]  # the house number
        assert actuallycare["address"].startswith(enclosure["street_address"])
        assert "latitude" not in actuallycare  # no coordinates (actuallycare.txt:214-243)
        # geocoded a few metres apart; areas in square feet within a few percent
        assert abs(enclosure["latitude"] - koto["latitude"]) < 0.0003
        assert abs(enclosure["longitude"] - koto["longitude"]) < 0.0003
        assert abs(koto["living_area"] - enclosure["living_area"]) <= 0.03 * enclosure["living_area"]
        assert abs(actuallycare["square_feet"] - enclosure["living_area"]) <= 0.06 * enclosure["living_area"]
        assert enclosure["bedrooms"] == koto["bedrooms"] == actuallycare["bedrooms"]
        compared += 1
    assert compared >= 5


def test_cross_listings_mostly_share_the_mls_number_but_not_always(days_on: Sandbox) -> None:
    """Pairs of listings of one home on two providers: most carry one MLS number; some do not
    (a portal left it out, or listed the home through another MLS)."""
    same = differ = 0
    for listings in homes_by_id(days_on).values():
        numbers = [
            (host, static(days_on, host, record["source_listing_id"])["mls_number"])
            for host, record in listings
            if host in US_HOSTS
        ]
        for position, (host, number) in enumerate(numbers):
            for other_host, other_number in numbers[position + 1 :]:
                if host != other_host:
                    same, differ = (same + 1, differ) if number == other_number else (same, differ + 1)
    assert same > 2 * differ > 0


def test_near_misses_share_a_street_line_or_a_street_but_are_other_homes(days_on: Sandbox) -> None:
    """Listed units of one building share the street address; next-door houses the street, two numbers apart."""
    pool = HomePool(13)
    listed = [
        pool.home(int(home_id.removeprefix("us-home-")))
        for home_id in homes_by_id(days_on)
        if home_id.startswith("us-home-")
    ]
    buildings, streets = defaultdict(set), defaultdict(set)
    for home in listed:
        buildings[(home.zip_code, home.street_number, home.street)].add(home.home_id)
        streets[(home.zip_code, home.street)].add(home.street_number)
    assert any(len(units) > 1 for units in buildings.values())
    assert any(number + 2 in numbers for numbers in streets.values() for number in numbers)


def test_removed_or_withdrawn_homes_come_back_under_a_new_id(days_on: Sandbox) -> None:
    relisted = 0
    for host in US_HOSTS:
        world = days_on.apps[host].world
        for idx in range(world.size):
            origin = world.relisted_from(idx)
            if origin is None:
                continue
            relisted += 1
            assert origin < idx and world.home_id(origin) == world.home_id(idx)
            departed = world.state(origin)
            # gone when re-listed: still removed or withdrawn, or back on the market only since
            assert departed.is_removed or departed.status == "withdrawn" or departed.status_at > world.created_at(idx)
    assert relisted >= 5


def test_match_quality_scores_pairs() -> None:
    homes = {"a": "h1", "b": "h1", "c": "h1", "d": "h2", "e": "h3"}
    properties = {"a": "p1", "b": "p1", "c": "p2", "d": "p2", "e": "p3", "unknown": "p4"}
    quality = match_quality(homes, properties)
    assert (quality.true_pairs, quality.matched_pairs, quality.correct_pairs) == (3, 2, 1)
    assert (quality.precision, quality.recall) == (0.5, 1 / 3)
