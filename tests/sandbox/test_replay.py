"""The replay server: what it records from a real sandbox, it serves again byte for byte, and it counts
what it has not recorded as a miss."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from listings_sandbox import HOSTS, Sandbox, SandboxConfig
from listings_sandbox.replay import ReplayServer


@pytest.fixture
def sandbox_and_replay(tmp_path: Path) -> Iterator[tuple[Sandbox, ReplayServer]]:
    with (
        Sandbox(SandboxConfig(seed=11, rate_limits=False)) as sandbox,
        ReplayServer(sandbox.info(), tmp_path) as replay,
    ):
        yield sandbox, replay


def control(replay: ReplayServer, method: str, path: str, **kwargs: object) -> dict:
    response = requests.request(method, replay.control_url + path, timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def calls(info: dict) -> list[tuple[str, str, dict[str, str], dict[str, str]]]:
    """(host, url, params, headers): a list page and a lookup or single listing where the host has one,
    each account of a host that tells accounts apart by their key."""
    providers = info["providers"]
    avaroai, actuallycare, estateprime = providers["avaroai"], providers["actuallycare"], providers["estateprime"]
    apimo, enclosure = providers["apimo"], providers["enclosure"]
    estateprime_keys = [account["api_key"] for account in estateprime["accounts"]]
    agency = apimo["agencies"][0]
    return [
        (
            "avaroai",
            avaroai["base_url"] + "/listings",
            {"page": "2"},
            {"Authorization": f"Bearer {avaroai['api_key']}"},
        ),
        (
            "actuallycare",
            actuallycare["base_url"] + "/listings",
            {"limit": "5"},
            {"X-API-Key": actuallycare["api_key"]},
        ),
        *(
            ("estateprime", estateprime["base_url"] + "/listings", {"page": "1"}, {estateprime["auth_header"]: key})
            for key in estateprime_keys
        ),
        (
            "estateprime",
            estateprime["base_url"] + "/listings/tags",
            {},
            {estateprime["auth_header"]: estateprime_keys[0]},
        ),
        ("apimo", f"{apimo['base_url']}/agencies/{agency}/properties", {"limit": "3"}, {}),
        (
            "enclosure",
            enclosure["base_url"] + "/listings",
            {"key": enclosure["key"], "territory": enclosure["territories"][0]},
            {},
        ),
    ]


def fetch_all(info: dict, auth: dict[str, tuple[str, str]]) -> list[tuple[int, bytes]]:
    return [
        (response.status_code, response.content)
        for host, url, params, headers in calls(info)
        for response in [requests.get(url, params=params, headers=headers, auth=auth.get(host), timeout=30)]
    ]


def test_replay_serves_recorded_bytes_and_counts_unrecorded_requests_as_misses(
    sandbox_and_replay: tuple[Sandbox, ReplayServer],
) -> None:
    sandbox, replay = sandbox_and_replay
    info = replay.info()
    assert set(info["providers"]) == set(HOSTS)
    apimo = info["providers"]["apimo"]
    auth = {"apimo": (apimo["provider"], apimo["token"])}  # basic auth, passed through untouched

    recorded = fetch_all(info, auth)
    assert all(status == 200 for status, _ in recorded)
    assert control(replay, "GET", "/stats")["recorded"] == len(recorded)
    # EstatePrime's stores share the path and differ by key: two recordings, two different bodies
    assert recorded[2][1] != recorded[3][1]
    served_by_sandbox = sandbox.stats("avaroai")["requests"]

    control(replay, "POST", "/mode", json={"mode": "replay"})
    control(replay, "POST", "/reset-stats")
    sandbox.advance_day(0.5)  # the sandbox changes; the replay does not
    assert fetch_all(info, auth) == recorded
    stats = control(replay, "GET", "/stats")
    assert stats["misses"] == 0
    assert sum(host["hits"] for host in stats["hosts"].values() if "hits" in host) == len(recorded)
    assert sandbox.stats("avaroai")["requests"] == served_by_sandbox
    # links the sandbox built from Host point at the replay server
    assert info["providers"]["avaroai"]["base_url"] in recorded[0][1].decode()

    # another page, a wrong key, a changed query order: the same query is a hit, the others misses
    host, url, params, headers = calls(info)[0]
    assert requests.get(url, params={"page": "3"}, headers=headers, timeout=30).status_code == 200
    assert (
        requests.get(url, params={"page": "2"}, headers={"Authorization": "Bearer wrong"}, timeout=30).status_code
        == 401
    )
    enclosure = calls(info)[-1]
    reordered = f"{enclosure[1]}?territory={enclosure[2]['territory']}&key={enclosure[2]['key']}"
    assert requests.get(reordered, timeout=30).content == recorded[-1][1]
    stats = control(replay, "GET", "/stats")
    assert stats["misses"] == 2
    assert stats["hosts"]["avaroai"]["misses"] == 2
    assert len(stats["miss_samples"]) == 2
    assert sandbox.stats("avaroai")["requests"] == served_by_sandbox + 2

    # the raw HTTP floor's list: every recorded request, fetched again, is a hit with the same bytes
    listed = control(replay, "GET", "/recorded")
    assert len(listed) == len(recorded)
    bodies = {
        requests.get(item["url"], headers=item["headers"], auth=auth.get(item["host"]), timeout=30).content
        for item in listed
    }
    assert bodies == {body for _, body in recorded}
    assert control(replay, "GET", "/stats")["misses"] == 2

    control(replay, "POST", "/clear")
    assert control(replay, "GET", "/stats")["recorded"] == 0
