"""Apimo's example property (apimo.txt:240) served byte for byte, and the truth that goes with it."""

import json
from pathlib import Path

import requests

from listings_sandbox import Sandbox, SandboxConfig

from .conftest import listed, provider

# apimo.txt:240 copied as it stands: the whole example response, one line of PHP-written JSON
EXAMPLE_RESPONSE = (Path(__file__).parent / "apimo_document_example.json").read_text().strip()
EXAMPLE_RECORD = EXAMPLE_RESPONSE.removeprefix('{"properties":[').removesuffix("]}")


def properties(sandbox: Sandbox, agency: str, **params) -> requests.Response:
    info = provider(sandbox, "apimo")
    url = f"{info['base_url']}/agencies/{agency}/properties"
    return requests.get(url, params=params, auth=(info["provider"], info["token"]))


def test_the_first_agency_serves_the_example_first_and_verbatim(docs_sandbox: Sandbox) -> None:
    first, second = provider(docs_sandbox, "apimo")["agencies"]
    response = properties(docs_sandbox, first)
    assert EXAMPLE_RECORD in response.content.decode()  # escaped slashes, \\u escapes and all
    record = response.json()["properties"][0]
    assert record == json.loads(EXAMPLE_RECORD) and record["id"] == 181297
    assert record["user"] == 10 and record["location"] == 6 and not {"agency", "region", "radius"} & set(record)
    assert "https://" not in response.text and "https:\\/\\/" in response.text  # the whole body PHP-written
    assert "181297" not in properties(docs_sandbox, second).text


def test_the_example_is_in_the_total_the_offsets_and_the_timestamp_answers(docs_sandbox: Sandbox) -> None:
    agency = provider(docs_sandbox, "apimo")["agencies"][0]
    first_page = properties(docs_sandbox, agency, limit=3).json()
    assert first_page["total_items"] == len(listed(docs_sandbox, "apimo", agency))
    second_page = properties(docs_sandbox, agency, limit=3, offset=1).json()["properties"]
    assert [r["id"] for r in second_page] == [r["id"] for r in first_page["properties"][1:]] + [second_page[-1]["id"]]
    updated = 1460493045  # 2016-04-12 22:30:45 in Paris (UTC+2)
    assert properties(docs_sandbox, agency, timestamp=updated).json()["properties"][0]["id"] == 181297
    assert "181297" not in properties(docs_sandbox, agency, timestamp=updated + 1).text


def test_the_truth_reports_the_example(docs_sandbox: Sandbox) -> None:
    row = next(row for row in docs_sandbox.truth("apimo") if row["source_listing_id"] == "181297")
    agency = provider(docs_sandbox, "apimo")["agencies"][0]
    assert row == {
        "provider": "apimo",
        "account_id": agency,
        "source_listing_id": "181297",
        "status": "active",
        "is_listed": True,
        "price": 750,
        "currency": "EUR",
        "listing_type": "rent",
        "property_type": 1,
        "created_at": "2010-06-30T12:33:53Z",
        "updated_at": "2016-04-12T20:30:45Z",
        "removed_at": None,
        "price_history": [{"at": "2010-06-30T12:33:53Z", "price": 750}],
        "version": 1,
        "revision": 0,
        "home_id": f"apimo:{agency}:181297",  # a home of its own: listed nowhere else
    }


def test_without_the_example_only_generated_records_are_served_in_plain_json() -> None:
    with Sandbox(SandboxConfig(seed=5, options={"apimo": {"document_example": False}})) as sandbox:
        response = properties(sandbox, provider(sandbox, "apimo")["agencies"][0])
        assert "181297" not in response.text and "https://" in response.text
        assert all(row["source_listing_id"] != "181297" for row in sandbox.truth("apimo"))
