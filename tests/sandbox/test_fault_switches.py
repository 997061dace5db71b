"""Each fault switch breaks exactly what it says, as often as it says, then stops."""

import time
from urllib.parse import quote

import pytest
import requests

from listings_sandbox import Sandbox

from .conftest import actuallycare_session, listed


def page(session: requests.Session, url: str, number: int, limit: int = 50) -> list[dict]:
    response = session.get(url, params={"page": number, "limit": limit})
    assert response.status_code == 200, response.text
    return response.json()["data"]["listings"]


def test_server_error_fires_times_then_recovers(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "server_error", times=2, status=502)
    assert [session.get(url).status_code for _ in range(3)] == [502, 502, 200]


def test_after_lets_requests_through_first(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "server_error", after=1)
    assert [session.get(url).status_code for _ in range(3)] == [200, 503, 200]


def test_rate_limit_burst_answers_429_with_retry_after(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "rate_limit_burst", times=2, retry_after=3)
    responses = [session.get(url) for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 200]
    assert responses[0].headers["Retry-After"] == "3"


def test_rate_limit_burst_of_any_length_without_retry_after(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "rate_limit_burst", times=12, retry_after=None)
    responses = [session.get(url) for _ in range(13)]
    assert [r.status_code for r in responses] == [429] * 12 + [200]
    assert not [r for r in responses if "Retry-After" in r.headers]


def test_rate_limit_storm_answers_429_for_its_duration(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "rate_limit_storm", seconds=1.0, retry_after=5)
    started, statuses = time.monotonic(), []
    while time.monotonic() - started < 0.8:
        statuses.append(session.get(url).status_code)
    assert len(statuses) > 3 and set(statuses) == {429}
    time.sleep(0.3)
    assert session.get(url).status_code == 200
    assert own_sandbox.app("actuallycare").faults.armed() == []


def test_server_error_at_a_rate_hits_that_share_evenly(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "server_error", times=0, rate=0.25, status=500)
    statuses = [session.get(url, params={"limit": 1}).status_code for _ in range(200)]
    assert statuses[:8] == [200, 200, 200, 500] * 2 and statuses.count(500) == 50  # evenly spread
    with pytest.raises(ValueError):
        own_sandbox.arm_fault("actuallycare", "server_error", rate=1.5)


def test_truncated_json_is_a_complete_answer_whose_json_is_cut(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "truncated_json")
    response = session.get(url)  # the read itself succeeds: the length matches what was sent
    assert response.status_code == 200 and int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(ValueError):
        response.json()
    assert session.get(url).json()["success"] is True


def test_slow_delays_the_response(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "slow", delay=0.5)
    started = time.monotonic()
    assert session.get(url).status_code == 200
    assert time.monotonic() - started >= 0.5


def test_truncated_body_breaks_the_read(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "truncated_body")
    with pytest.raises(requests.exceptions.RequestException):
        session.get(url).json()
    assert session.get(url).status_code == 200


def test_malformed_record_breaks_one_field_of_one_record(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "malformed_record", field="price")
    records = page(session, url, 1)
    broken = [record for record in records if not isinstance(record["list_price"], int)]
    assert len(broken) == 1 and broken[0]["list_price"] == "call for price"
    assert all(isinstance(record["list_price"], int) for record in page(session, url, 1))


def test_unknown_value_puts_an_unlisted_word_on_one_record(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "unknown_value", field="status", value="coming_soon")
    records = page(session, url, 1)
    assert [record["id"] for record in records if record["status"] == "coming_soon"] == [records[0]["id"]]
    assert "coming_soon" not in {record["status"] for record in page(session, url, 1)}


def test_new_field_and_type_change_reshape_records(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "new_field", name="energy_rating", value="A")
    assert {record["energy_rating"] for record in page(session, url, 1)} == {"A"}
    own_sandbox.arm_fault("actuallycare", "type_change", field="price")
    records = page(session, url, 1)
    assert all(isinstance(record["list_price"], str) and record["list_price"].isdigit() for record in records)


def test_echo_credentials_puts_the_key_in_a_link_on_every_record(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    key = own_sandbox.info()["providers"]["actuallycare"]["api_key"]
    own_sandbox.arm_fault("actuallycare", "echo_credentials")
    links = {record["url"] for record in page(session, url, 1)}
    assert links == {f"https://actuallycare.sandbox/v1/listings?key={quote(key, safe='')}"}
    assert "url" not in page(session, url, 1)[0]


def test_shift_insert_between_pages_repeats_a_listing_on_the_next_page(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    count_before = len(listed(own_sandbox, "actuallycare"))
    own_sandbox.arm_fault("actuallycare", "shift_insert")
    first, second = page(session, url, 1), page(session, url, 2)
    assert first[-1]["id"] == second[0]["id"]  # newest first: everything moved down by one
    assert len(listed(own_sandbox, "actuallycare")) == count_before + 1
    assert own_sandbox.events("actuallycare", day=0)[-1]["kind"] == "new_listing"


def test_shift_remove_between_pages_skips_a_listing(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    expected_second = page(session, url, 2)
    own_sandbox.arm_fault("actuallycare", "shift_remove")
    first, second = page(session, url, 1), page(session, url, 2)
    removed = own_sandbox.events("actuallycare", day=0)[-1]
    assert removed["kind"] == "removed" and removed["source_listing_id"] == first[0]["id"]
    skipped = expected_second[0]["id"]
    assert skipped not in {r["id"] for r in first + second}  # a naive offset scan misses it...
    assert skipped in listed(own_sandbox, "actuallycare")  # ...although it is still listed


def test_clear_faults_disarms_and_unknown_kinds_are_refused(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    own_sandbox.arm_fault("actuallycare", "server_error", times=0)
    assert session.get(url).status_code == 503
    own_sandbox.clear_faults("actuallycare")
    assert session.get(url).status_code == 200
    with pytest.raises(ValueError):
        own_sandbox.arm_fault("actuallycare", "meteor_strike")
    with pytest.raises(ValueError):
        own_sandbox.arm_fault("actuallycare", "slow", speed=3)
