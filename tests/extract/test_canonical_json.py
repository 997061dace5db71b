"""orjson parses bodies and writes canonical texts with exactly the standard library's results: raw
stores a hash of each canonical text, so a text that changed by a byte would make every stored
listing look changed once after an upgrade."""

import gc
import hashlib
import json
import math
import random
import struct
import uuid
import weakref
from typing import Any

import orjson
import pytest
import requests

from dlt_sources.common import http, scan
from dlt_sources.common.jsontext import canonical_bytes, canonical_json, loads
from listings_sandbox import HOSTS, Sandbox
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.registry import by_name

from .conftest import RawReader


def json_dumps_canonical(payload: Any) -> str:
    """The canonical text as raw was written before orjson: what every stored hash was taken of."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def objects_in(value: Any) -> list[Any]:
    """Every object and array of a parsed body, the body itself included: records and their parts."""
    found = []
    if isinstance(value, dict | list):
        found.append(value)
        for part in value.values() if isinstance(value, dict) else value:
            found += objects_in(part)
    return found


def load_every_provider() -> None:
    for host in HOSTS:
        listings_pipeline(host).run(by_name(host).dlt_source()())


def test_every_record_of_every_provider_has_the_standard_librarys_parse_and_canonical_text(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies: list[tuple[bytes, Any]] = []

    def parse_and_keep(body: bytes, exact: Any = None) -> Any:
        parsed = loads(body, exact)
        bodies.append((body, parsed))
        return parsed

    monkeypatch.setattr(http, "loads", parse_and_keep)
    load_every_provider()
    assert len(bodies) > 40  # every page of six providers, and the lookups and single listings asked
    parts = 0
    for body, parsed in bodies:
        assert json_dumps_canonical(parsed) == json_dumps_canonical(json.loads(body))  # the same values
        for part in objects_in(parsed):
            parts += 1
            assert canonical_bytes(part) == json_dumps_canonical(part).encode()
            assert canonical_json(part) == json_dumps_canonical(part)
    assert parts > sum(sum(accounts.values()) for accounts in pipeline_sandbox.config.world_sizes().values())


def test_a_warehouse_loaded_by_the_standard_library_sees_no_change_when_orjson_reads_it(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, raw: RawReader
) -> None:
    with monkeypatch.context() as before_orjson:
        before_orjson.setattr(http, "loads", lambda body, exact: exact())
        before_orjson.setattr(scan, "canonical_bytes", lambda payload: json_dumps_canonical(payload).encode())
        before_orjson.setattr(scan, "canonical_json", json_dumps_canonical)
        load_every_provider()
    stored = {host: raw.rows(host) for host in HOSTS}
    load_every_provider()
    unchanged = 0
    for host in HOSTS:
        assert raw.rows(host) == stored[host], host  # not a row more: nothing new, changed or removed
        last_scans = listings_pipeline(host).state["sources"][host]["resources"]["listings"]["last_scan"]
        assert {account: (s["new"], s["changed"]) for account, s in last_scans.items()} == dict.fromkeys(
            last_scans, (0, 0)
        )
        unchanged += sum(scan["unchanged"] for scan in last_scans.values())
    assert unchanged > 500  # compared, found equal (incremental scans read only recent updates)


FLOAT_EDGES = [1e-7, -1e-7, 1.5e-7, 1e-5, -1e-5, 3.07e-5, 9.99e-5, 1e-4, 1e-10, 5e-324, 1e16, 1e22, -0.0, 0.1, 2.5e-9]


@pytest.mark.parametrize(
    "payload",
    [
        *FLOAT_EDGES,
        {"price": 1e-7, "ratio": 1.5e-5, "area": [1e-9, 0.5]},
        2**64 - 1,
        2**64,
        -(2**63) - 1,
        {"id": 123456789012345678901234567890},
        math.nan,
        {"price": math.inf, "rent": -math.inf, "notes": None},
        (1, "two"),
        {"b": 1, "a": {"é": "\u2028\x7f\x00\x1f", "\U00010000": 1, "\uffff": 2}},
        {1: "a key not a string"},
        {"uuid-looking": "b7d2dc7e-1c7b-4e0a", "versions": "e-1]"},
    ],
)
def test_the_canonical_text_is_json_dumps_byte_for_byte(payload: Any) -> None:
    assert canonical_json(payload) == json_dumps_canonical(payload)
    assert canonical_bytes(payload) == json_dumps_canonical(payload).encode()


def test_every_float_is_written_as_json_dumps_writes_it() -> None:
    rng = random.Random(7)
    floats = [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(50_000)]
    floats += [m * 10.0**e * sign for e in range(-12, 24) for m in (1, 1.5, 3.07, 9.99) for sign in (1, -1)]
    for x in floats:
        assert canonical_json({"x": [x]}) == json_dumps_canonical({"x": [x]}), x


def test_what_json_dumps_refuses_is_refused_still() -> None:
    with pytest.raises(TypeError):
        canonical_json({"id": uuid.uuid4()})


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 123456789012345678901234567890, "price": -9223372036854775809}',  # beyond 64 bits
        b'{"price": 18446744073709551615, "at": 1e-7, "rent": 0.00001}',
        b'{"price": NaN, "rent": Infinity}',  # json reads them; orjson refuses
        b'{"a": 1, "a": 2}',
        b'{"name": "\\ud800 alone", "ok": "\\ud83d\\ude00"}',
        b'{"long": 0.1000000000000000055511151231257827021181583404541015625}',
    ],
)
def test_a_body_parses_to_what_the_standard_library_reads(body: bytes) -> None:
    parsed = loads(body)
    assert json_dumps_canonical(parsed) == json_dumps_canonical(json.loads(body))
    assert [type(value) for value in parsed.values()] == [type(value) for value in json.loads(body).values()]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"name": "Café", "id": 123456789012345678901234567890}'.encode()),
        ("application/json; charset=latin-1", '{"name": "Café"}'.encode("latin-1")),
        ("application/json", b'\xef\xbb\xbf{"name": "with a BOM"}'),
        ("application/json; charset=utf-16", '{"name": "Café"}'.encode("utf-16")),
        ("text/plain", '{"name": "Café"}'.encode()),
    ],
)
def test_a_response_parses_as_requests_parses_it(content_type: str, body: bytes) -> None:
    def response() -> requests.Response:
        made = requests.Response()
        made.status_code, made._content = 200, body
        made.headers["Content-Type"] = content_type
        made.encoding = requests.utils.get_encoding_from_headers(made.headers)
        return made

    expected = response().json()
    parsed = response()
    assert http._parse_json_once(parsed) is None
    assert parsed.json() == expected and json_dumps_canonical(parsed.json()) == json_dumps_canonical(expected)


def test_a_parsed_response_is_freed_with_its_last_reference_not_left_to_the_collector() -> None:
    made = requests.Response()
    made.status_code, made._content = 200, b'{"data": [{"id": 1, "price": 250000}]}'
    made.headers["Content-Type"] = "application/json"
    assert http._parse_json_once(made) is None
    assert made.json() == {"data": [{"id": 1, "price": 250000}]}  # the shared parse
    assert made.json(parse_int=str) == {"data": [{"id": "1", "price": "250000"}]}  # options: requests parses
    gone = weakref.ref(made)
    gc.disable()
    try:
        del made
        # no reference cycle holds the response, so its parsed page goes with it: a full page left to
        # the collector's full passes cost a quarter of an Apimo scan
        assert gone() is None
    finally:
        gc.enable()


def test_a_body_that_is_not_json_is_a_failed_attempt() -> None:
    made = requests.Response()
    made.status_code, made._content = 200, b'{"data": [{"id": 1}, {"id"'  # cut off
    made.headers["Content-Type"] = "application/json"
    assert isinstance(http._parse_json_once(made), requests.exceptions.InvalidJSONError)


def test_the_stored_hash_is_sha256_of_the_canonical_text() -> None:
    record = {"id": "7", "price": 1e-7, "title": "Maison"}
    expected = hashlib.sha256(json_dumps_canonical(record).encode()).hexdigest()
    assert hashlib.sha256(canonical_bytes(record)).hexdigest() == expected
    assert orjson.loads(canonical_bytes(record)) == record
