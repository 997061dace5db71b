"""ActuallyCare's record readings, its version counter, edits a summary cannot show, 404s and quota."""

from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from listings_sandbox import Sandbox, SandboxConfig

from .conftest import actuallycare_session

# actuallycare.txt:48-59, in the example's order
SUMMARY_FIELDS = [
    "id",
    "mls_number",
    "address",
    "city",
    "state",
    "zip_code",
    "list_price",
    "status",
    "property_type",
    "bedrooms",
    "bathrooms",
    "square_feet",
]
DETAIL_EXAMPLE_FIELDS = [*SUMMARY_FIELDS, "year_built", "version"]  # actuallycare.txt:154-167


def reading(records: str) -> Sandbox:
    return Sandbox(SandboxConfig(seed=9, rate_limits=False, options={"actuallycare": {"records": records}}))


@pytest.fixture
def summary_sandbox() -> Iterator[Sandbox]:
    with reading("summary") as sandbox:
        yield sandbox


def scan(session: requests.Session, url: str) -> dict[str, dict]:
    seen, page = {}, 1
    while True:
        data = session.get(url, params={"page": page, "limit": 100}).json()["data"]
        seen.update({record["id"]: record for record in data["listings"]})
        if not data["meta"]["hasMore"]:
            return seen
        page += 1


def test_full_records_are_the_default_in_list_and_detail(docs_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(docs_sandbox)
    record = session.get(url).json()["data"]["listings"][0]
    assert set(SUMMARY_FIELDS) < set(record) and {"description", "photos", "version", "updated_at"} <= set(record)
    assert session.get(f"{url}/{record['id']}").json()["data"] == record


def test_summary_lists_the_example_fields_and_the_detail_is_full(summary_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(summary_sandbox)
    records = session.get(url, params={"limit": 100}).json()["data"]["listings"]
    assert records and all(list(record) == SUMMARY_FIELDS for record in records)
    detail = session.get(f"{url}/{records[0]['id']}").json()["data"]
    assert {name: detail[name] for name in SUMMARY_FIELDS} == records[0]
    assert {"description", "photos", "year_built", "version", "created_at", "updated_at"} <= set(detail)


def test_document_reading_serves_the_detail_examples_fields_exactly() -> None:
    with reading("document") as sandbox:
        session, url = actuallycare_session(sandbox)
        record = session.get(url).json()["data"]["listings"][0]
        assert list(record) == SUMMARY_FIELDS
        detail = session.get(f"{url}/{record['id']}").json()["data"]
        assert list(detail) == DETAIL_EXAMPLE_FIELDS and detail["version"] == 1
        assert {name: detail[name] for name in SUMMARY_FIELDS} == record


def test_an_unknown_reading_is_refused() -> None:
    with pytest.raises(ValueError, match="option records must be one of"):
        Sandbox(SandboxConfig(options={"actuallycare": {"records": "abridged"}}))


def test_version_starts_at_1_and_counts_every_change(own_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(own_sandbox)
    assert {record["version"] for record in scan(session, url).values()} == {1}
    for _ in range(3):
        own_sandbox.advance_day()
    changes = Counter(
        event["source_listing_id"] for event in own_sandbox.events("actuallycare") if event["kind"] != "new_listing"
    )
    served = scan(session, url)
    assert {listing_id: record["version"] for listing_id, record in served.items()} == {
        listing_id: 1 + changes[listing_id] for listing_id in served
    }
    assert max(record["version"] for record in served.values()) >= 3  # a listing changed twice in a day
    truth = {row["source_listing_id"]: row["version"] for row in own_sandbox.truth("actuallycare")}
    assert all(truth[listing_id] == record["version"] for listing_id, record in served.items())
    created = {e["source_listing_id"] for e in own_sandbox.events("actuallycare") if e["kind"] == "new_listing"}
    assert any(served[listing_id]["version"] == 1 for listing_id in created & served.keys())


def test_an_edit_leaves_the_summary_alone_and_shows_in_the_detail_and_the_truth(summary_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(summary_sandbox)
    before = scan(session, url)
    summary_sandbox.advance_day()
    events = summary_sandbox.events("actuallycare", day=1)
    once = Counter(event["source_listing_id"] for event in events)
    edited = [e["source_listing_id"] for e in events if e["kind"] == "edit" and once[e["source_listing_id"]] == 1]
    assert edited
    after = scan(session, url)
    truth = {row["source_listing_id"]: row for row in summary_sandbox.truth("actuallycare")}
    for listing_id in edited:
        assert after[listing_id] == before[listing_id]  # nothing a summary reader could notice
        detail = session.get(f"{url}/{listing_id}").json()["data"]
        assert detail["version"] == 2 and detail["description"].endswith("(Updated, revision 1.)")
        assert truth[listing_id]["version"] == 2 and truth[listing_id]["revision"] == 1
        assert truth[listing_id]["price"] == detail["list_price"] and truth[listing_id]["status"] == detail["status"]


def test_a_removed_listings_detail_is_404_in_the_error_envelope(summary_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(summary_sandbox)
    summary_sandbox.advance_day()
    removed = [e["source_listing_id"] for e in summary_sandbox.events("actuallycare", day=1) if e["kind"] == "removed"]
    assert removed
    for listing_id in removed:
        response = session.get(f"{url}/{listing_id}")
        assert response.status_code == 404
        body = response.json()
        assert body["success"] is False and body["error"]["code"] == "NOT_FOUND" and body["timestamp"]
    assert not set(removed) & scan(session, url).keys()


def test_detail_requests_count_against_the_quota_as_list_requests_do() -> None:
    with Sandbox(SandboxConfig(options={"actuallycare": {"rate_limit": (3, 30.0)}})) as sandbox:
        session, url = actuallycare_session(sandbox)
        listing_id = session.get(url).json()["data"]["listings"][0]["id"]
        assert [session.get(f"{url}/{listing_id}").status_code for _ in range(3)] == [200, 200, 429]
        limited = session.get(url)
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
