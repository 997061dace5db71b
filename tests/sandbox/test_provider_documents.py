"""Each sandbox host against its provider document: auth, envelopes, paging, limits, status codes."""

import re

import requests

from listings_sandbox import OPEN_WORLD_VALUES, Sandbox, SandboxConfig

from .conftest import actuallycare_session, listed, provider

ISO_MICROS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ISO_MILLIS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
NAIVE_LOCAL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


# ---- AvaroAI -------------------------------------------------------------------------------------
def avaroai_get(sandbox: Sandbox, **params) -> requests.Response:
    info = provider(sandbox, "avaroai")
    return requests.get(
        info["base_url"] + "/listings",
        params=params,
        headers={"Authorization": f"Bearer {info['api_key']}", "Accept": "application/json"},
    )


def test_avaroai_rejects_a_missing_or_wrong_bearer_key_with_401(docs_sandbox: Sandbox) -> None:
    url = provider(docs_sandbox, "avaroai")["base_url"] + "/listings"
    assert requests.get(url).status_code == 401
    response = requests.get(url, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401 and response.json() == {"message": "Unauthenticated."}


def test_avaroai_pages_hold_20_listings_with_links_and_meta(docs_sandbox: Sandbox) -> None:
    body = avaroai_get(docs_sandbox).json()
    assert len(body["data"]) == 20
    assert body["links"]["prev"] is None and body["links"]["last"] is None
    assert body["links"]["next"].endswith("/api/v1/listings?page=2")
    assert body["meta"] == {"current_page": 1, "from": 1, "path": body["meta"]["path"], "per_page": 20, "to": 20}
    assert "total" not in body["meta"]  # the document shows none: a client cannot count ahead


def test_avaroai_full_scan_by_next_links_returns_exactly_the_active_listings(docs_sandbox: Sandbox) -> None:
    info, seen, url = provider(docs_sandbox, "avaroai"), {}, None
    url = info["base_url"] + "/listings"
    while url:
        body = requests.get(url, headers={"Authorization": f"Bearer {info['api_key']}"}).json()
        seen.update({record["id"]: record["published_price"] for record in body["data"]})
        url = body["links"]["next"]
    assert seen == listed(docs_sandbox, "avaroai")
    statuses = {row["status"] for row in docs_sandbox.truth("avaroai") if row["is_listed"]}
    assert statuses == {"active"}


def test_avaroai_page_past_the_end_is_empty(docs_sandbox: Sandbox) -> None:
    body = avaroai_get(docs_sandbox, page=999).json()
    assert body["data"] == [] and body["links"]["next"] is None
    assert body["meta"]["from"] is None and body["meta"]["to"] is None


def test_avaroai_records_follow_the_documented_field_types(docs_sandbox: Sandbox) -> None:
    for record in avaroai_get(docs_sandbox, page=2).json()["data"]:
        latitude, longitude = map(float, record["coordinates"].split(","))
        assert 34.4 < latitude < 35.8 and 32.0 < longitude < 34.7  # Cyprus
        assert isinstance(record["published_price"], int) and isinstance(record["public_reference"], int)
        assert isinstance(record["rental"], bool) and isinstance(record["parking"], list)
        assert ISO_MICROS_Z.match(record["created_at"]) and ISO_MICROS_Z.match(record["updated_at"])
        assert [photo["index"] for photo in record["photos"]] == list(range(len(record["photos"])))
        for photo in record["photos"]:
            assert set(photo) == {"id", "caption", "index", "floor_plan", "large", "small"}
        assert record["city"] in {"Paphos", "Limassol", "Larnaca", "Nicosia", "Protaras"}


# ---- EstatePrime ---------------------------------------------------------------------------------
def estateprime_get(sandbox: Sandbox, path: str = "/listings", account: int = 0, **kwargs) -> requests.Response:
    info = provider(sandbox, "estateprime")
    return requests.get(
        info["base_url"] + path, headers={info["auth_header"]: info["accounts"][account]["api_key"]}, **kwargs
    )


def test_estateprime_rejects_a_wrong_key_with_401(docs_sandbox: Sandbox) -> None:
    info = provider(docs_sandbox, "estateprime")
    assert requests.get(info["base_url"] + "/listings").status_code == 401
    assert requests.get(info["base_url"] + "/listings", headers={info["auth_header"]: "nope"}).status_code == 401


def test_estateprime_auth_header_name_is_configurable() -> None:
    with Sandbox(SandboxConfig(options={"estateprime": {"auth_header": "X-Custom-Token"}})) as sandbox:
        info = provider(sandbox, "estateprime")
        key = info["accounts"][0]["api_key"]
        assert info["auth_header"] == "X-Custom-Token"
        assert requests.get(info["base_url"] + "/listings", headers={"X-Custom-Token": key}).status_code == 200
        assert requests.get(info["base_url"] + "/listings", headers={"X-Api-Key": key}).status_code == 401


def test_estateprime_reads_page_and_filters_from_a_json_body_on_get(docs_sandbox: Sandbox) -> None:
    first = estateprime_get(docs_sandbox, json={"page": 1}).json()
    second = estateprime_get(docs_sandbox, json={"page": 2}).json()
    assert {key: first[key] for key in ("status", "page", "results_per_page")} == {
        "status": 200,
        "page": 1,
        "results_per_page": 50,
    }
    assert first["total_pages"] == -(-first["total_results"] // 50)
    assert len(first["data"]) == 50 and second["page"] == 2
    assert not {r["id"] for r in first["data"]} & {r["id"] for r in second["data"]}
    pending = estateprime_get(docs_sandbox, json={"status": ["pending"]}).json()
    assert pending["data"] and {record["status"] for record in pending["data"]} == {"pending"}


def test_estateprime_rejects_bad_bodies_with_400(docs_sandbox: Sandbox) -> None:
    info = provider(docs_sandbox, "estateprime")
    headers = {info["auth_header"]: info["accounts"][0]["api_key"], "Content-Type": "application/json"}
    url = info["base_url"] + "/listings"
    assert requests.get(url, headers=headers, data=b"{not json").status_code == 400
    assert requests.get(url, headers=headers, json={"page": 0}).status_code == 400
    assert requests.get(url, headers=headers, json={"status": "sold"}).status_code == 400
    bad_range = {"date_created": {"min": "yesterday", "max": None}}
    assert requests.get(url, headers=headers, json=bad_range).status_code == 400


def test_estateprime_full_scan_of_each_store_returns_exactly_its_listings(docs_sandbox: Sandbox) -> None:
    info = provider(docs_sandbox, "estateprime")
    for index, account in enumerate(info["accounts"]):
        seen, page = {}, 1
        while True:
            body = estateprime_get(docs_sandbox, account=index, json={"page": page}).json()
            seen.update({str(record["id"]): record["price"] for record in body["data"]})
            assert all(record["store_id"] == account["store_id"] for record in body["data"])
            if page >= body["total_pages"]:
                break
            page += 1
        assert seen == listed(docs_sandbox, "estateprime", account["account_id"])


def test_estateprime_single_listing_and_404(docs_sandbox: Sandbox) -> None:
    record = estateprime_get(docs_sandbox).json()["data"][0]
    single = estateprime_get(docs_sandbox, f"/listings/{record['id']}").json()
    assert single["status"] == 200 and single["data"]["id"] == record["id"]
    assert estateprime_get(docs_sandbox, "/listings/1").status_code == 404
    other_store = estateprime_get(docs_sandbox, account=1).json()["data"][0]["id"]
    assert estateprime_get(docs_sandbox, f"/listings/{other_store}").status_code == 404


def test_estateprime_lookups_answer_with_their_lists(docs_sandbox: Sandbox) -> None:
    documented_types = {
        "text",
        "textarea",
        "wysiwyg",
        "number",
        "formatted_number",
        "select",
        "select_multi",
        "checkbox",
        "file",
        "file_multi",
        "image",
        "image_multi",
        "address",
        "url",
        "date",
        "datetime",
        "currency",
        "user",
        "user_multi",
        "contact",
        "contact_multi",
    }
    for path in ("/listings/sources", "/listings/tags", "/listings/custom-fields"):
        body = estateprime_get(docs_sandbox, path).json()
        assert body["status"] == 200 and body["data"]
        assert all({"id", "name"} <= set(item) for item in body["data"])
    fields = estateprime_get(docs_sandbox, "/listings/custom-fields").json()["data"]
    assert {field["type"] for field in fields} <= documented_types


def test_estateprime_records_are_greek_with_translations_and_naive_local_times(docs_sandbox: Sandbox) -> None:
    records = estateprime_get(docs_sandbox, json={"page": 1}).json()["data"]
    languages = [{t["language_id"] for t in record["translations"]} for record in records]
    assert {1, 2} in languages and all(2 in langs for langs in languages)  # Greek always, English mostly
    for record in records:
        assert NAIVE_LOCAL.match(record["date_created"]) and NAIVE_LOCAL.match(record["date_updated"])
        assert record["availability"] in {"sale", "rent", "auction", "shortterm"}
        assert record["status"] in {"draft", "pending", "active", "inactive", "archived", "deleted"}
        assert re.search("[α-ωΑ-Ω]", record["location"]["area_level1"]["name_el"])
        assert 34.5 < record["location"]["latitude"] < 41.8
    assert any(
        record["location"]["display_address"] is False and record["location"]["fake_latitude"] for record in records
    )


# ---- Apimo ---------------------------------------------------------------------------------------
def apimo_get(sandbox: Sandbox, agency: str | None = None, auth: tuple | None = None, **params) -> requests.Response:
    info = provider(sandbox, "apimo")
    agency = agency or info["agencies"][0]
    return requests.get(
        f"{info['base_url']}/agencies/{agency}/properties",
        params=params,
        auth=auth or (info["provider"], info["token"]),
    )


def test_apimo_uses_basic_auth_and_404s_unknown_agencies(docs_sandbox: Sandbox) -> None:
    assert apimo_get(docs_sandbox, auth=("someone", "wrong")).status_code == 401
    info = provider(docs_sandbox, "apimo")
    assert requests.get(f"{info['base_url']}/agencies/{info['agencies'][0]}/properties").status_code == 401
    assert apimo_get(docs_sandbox, agency="999999").status_code == 404


def test_apimo_limits_offset_and_timestamp_are_validated(docs_sandbox: Sandbox) -> None:
    for params in ({"limit": 201}, {"limit": 0}, {"offset": -1}, {"timestamp": "yesterday"}):
        assert apimo_get(docs_sandbox, **params).status_code == 400, params
    body = apimo_get(docs_sandbox).json()
    assert set(body) == {"total_items", "timestamp", "properties"} and len(body["properties"]) == 100
    assert len(apimo_get(docs_sandbox, limit=200).json()["properties"]) == 200


def test_apimo_offset_scan_returns_exactly_each_agencys_listings(docs_sandbox: Sandbox) -> None:
    for agency in provider(docs_sandbox, "apimo")["agencies"]:
        seen, offset = {}, 0
        while True:
            body = apimo_get(docs_sandbox, agency=agency, limit=200, offset=offset).json()
            seen.update({str(record["id"]): record["price"]["value"] for record in body["properties"]})
            offset += 200
            if offset >= body["total_items"]:
                break
        assert seen == listed(docs_sandbox, "apimo", agency)


def test_apimo_timestamp_returns_only_listings_updated_since(own_sandbox: Sandbox) -> None:
    before = apimo_get(own_sandbox).json()["timestamp"]
    own_sandbox.advance_day()
    body = apimo_get(own_sandbox, timestamp=before + 1, limit=200).json()
    agency = provider(own_sandbox, "apimo")["agencies"][0]
    touched = {
        event["source_listing_id"] for event in own_sandbox.events("apimo", day=1) if event["account_id"] == agency
    }
    returned = {str(record["id"]) for record in body["properties"]}
    assert returned and returned <= touched and body["total_items"] == len(returned)
    assert returned == touched & listed(own_sandbox, "apimo", agency).keys()


def test_apimo_records_use_numeric_codes_and_french_conventions(docs_sandbox: Sandbox) -> None:
    for record in apimo_get(docs_sandbox).json()["properties"]:
        assert isinstance(record["category"], int) and isinstance(record["type"], int)
        assert isinstance(record["step"], int)
        assert re.match(r"^\d+\.\d$", record["rooms"])  # "2.0": a decimal string
        assert record["country"] == "FR" and record["price"]["currency"] == "EUR"
        assert NAIVE_LOCAL.match(record["created_at"]) and NAIVE_LOCAL.match(record["updated_at"])
        if record["id"] != 181297:  # the document's example (apimo.txt:240) has no radius or publish_address
            assert record["radius"] == 0 if record["publish_address"] else record["radius"] > 0


# ---- Enclosure and Koto --------------------------------------------------------------------------
def search(sandbox: Sandbox, host: str = "enclosure", **params) -> requests.Response:
    info = provider(sandbox, host)
    return requests.get(info["base_url"] + "/listings", params={"key": info["key"], **params})


def test_enclosure_and_koto_answer_403_to_a_missing_or_foreign_key(docs_sandbox: Sandbox) -> None:
    enclosure, koto = provider(docs_sandbox, "enclosure"), provider(docs_sandbox, "koto")
    url = enclosure["base_url"] + "/listings"
    assert requests.get(url, params={"territory": "ter_west"}).status_code == 403
    assert requests.get(url, params={"territory": "ter_west", "key": koto["key"]}).status_code == 403


def test_enclosure_search_parameters_are_validated(docs_sandbox: Sandbox) -> None:
    assert search(docs_sandbox).status_code == 400  # no constraint
    for params in (
        {"limit": 51},
        {"limit": 0},
        {"latitude": 38.9, "longitude": -77.0},
        {"sort_by": "id asc"},
        {"created_min": "22/11/2026"},
        {"type": "for_lease"},
    ):
        assert search(docs_sandbox, territory="ter_west", **params).status_code == 400, params
    assert search(docs_sandbox, territory="nowhere").status_code == 400


def test_created_min_needs_an_offset_unless_the_sandbox_is_told_otherwise(docs_sandbox: Sandbox) -> None:
    """`YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]` (enclosure_koto.txt:227), read strictly by default: an
    offset is required, and an unencoded `+` (which a query string turns into a space) is refused."""
    unencoded = requests.get(
        provider(docs_sandbox, "enclosure")["base_url"]
        + f"/listings?key={provider(docs_sandbox, 'enclosure')['key']}&territory=ter_west"
        + "&created_min=2026-01-01T00:00:00+02:00"
    )
    assert unencoded.status_code == 400
    assert search(docs_sandbox, territory="ter_west", created_min="2026-01-01T00:00:00").status_code == 400
    for spelled in ("2026-01-01T00:00:00+02:00", "2026-01-01T00:00:00Z", "2026-01-01T00:00-05:00"):
        assert search(docs_sandbox, territory="ter_west", created_min=spelled).status_code == 200, spelled
    with Sandbox(SandboxConfig(seed=9, options={"enclosure": {"strict_times": False}})) as lenient:
        assert search(lenient, territory="ter_west", created_min="2026-01-01T00:00:00").status_code == 200
        assert search(lenient, territory="ter_west", created_min="2026-01-01T00:00:00 02:00").status_code == 200


def test_enclosure_returns_25_by_default_and_at_most_50(docs_sandbox: Sandbox) -> None:
    assert len(search(docs_sandbox, territory="ter_west").json()["data"]) == 25
    body = search(docs_sandbox, territory="ter_west", limit=50).json()
    assert set(body) == {"data"} and len(body["data"]) == 50


def test_enclosure_sorts_and_filters_as_asked(docs_sandbox: Sandbox) -> None:
    prices = [
        r["price"] for r in search(docs_sandbox, territory="ter_south", sort_by="price desc", limit=50).json()["data"]
    ]
    assert prices == sorted(prices, reverse=True)
    records = search(docs_sandbox, zip_codes=["93561", "78701"], limit=50).json()["data"]
    assert records and {record["zip_code"] for record in records} <= {"93561", "78701"}
    created = search(docs_sandbox, territory="ter_west", sort_by="created_at asc", limit=50).json()["data"]
    pivot = created[-1]["created_at"]
    after = search(docs_sandbox, territory="ter_west", sort_by="created_at asc", created_min=pivot).json()["data"]
    assert after[0]["created_at"] == pivot  # created_min is inclusive
    assert all(record["created_at"] >= pivot for record in after)


def test_keyset_paging_on_created_min_covers_each_host_exactly(docs_sandbox: Sandbox) -> None:
    for host in ("enclosure", "koto"):
        seen: dict[str, int] = {}
        for territory in provider(docs_sandbox, host)["territories"]:
            created_min = None
            while True:
                params = {"territory": territory, "sort_by": "created_at asc", "limit": 50}
                page = search(docs_sandbox, host, **params, **({"created_min": created_min} if created_min else {}))
                records = page.json()["data"]
                seen.update({record["id"]: record["price"] for record in records})
                if len(records) < 50:
                    break
                created_min = records[-1]["created_at"]
        assert seen == listed(docs_sandbox, host)
    assert not listed(docs_sandbox, "enclosure").keys() & listed(docs_sandbox, "koto").keys()


def test_enclosure_single_listing_is_the_bare_object_and_404s_when_unknown(docs_sandbox: Sandbox) -> None:
    info = provider(docs_sandbox, "enclosure")
    record = search(docs_sandbox, territory="ter_west").json()["data"][0]
    single = requests.get(f"{info['base_url']}/listings/{record['id']}", params={"key": info["key"]})
    assert single.status_code == 200 and single.json()["id"] == record["id"] and "data" not in single.json()
    missing = requests.get(f"{info['base_url']}/listings/li_0000000000000000000", params={"key": info["key"]})
    assert missing.status_code == 404


UNDOCUMENTED_STATUSES = set(OPEN_WORLD_VALUES["enclosure"]["status"])


def test_enclosure_records_are_us_listings_in_square_feet_and_acres(docs_sandbox: Sandbox) -> None:
    records = search(docs_sandbox, territory="ter_west", limit=50).json()["data"]
    assert {record["state"] for record in records} <= {"CA", "OR", "AZ", "CO", "ID"}
    assert any(record["bathrooms"] and record["bathrooms"] % 1 for record in records)  # fractional baths
    for record in records:
        # the documented statuses, or a value the document does not list (the sandbox's open world)
        assert ISO_Z.match(record["created_at"]) and record["status"] in {"active", "pending", *UNDOCUMENTED_STATUSES}
        assert record["type"] in {"for_sale", "for_rent"} and record["id"].startswith("li_")
        if record["living_area"]:
            assert 300 < record["living_area"] < 10_000  # square feet
        assert "{offset}" in record["photo_template"] and "key=" not in record["photo_template"]


# ---- ActuallyCare --------------------------------------------------------------------------------
def test_actuallycare_rejects_a_missing_key_with_401_in_the_error_envelope(docs_sandbox: Sandbox) -> None:
    response = requests.get(provider(docs_sandbox, "actuallycare")["base_url"] + "/listings")
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False and body["error"]["code"] and ISO_MILLIS_Z.match(body["timestamp"])


def test_actuallycare_wraps_pages_in_the_success_envelope(docs_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(docs_sandbox)
    body = session.get(url).json()
    assert body["success"] is True and set(body["data"]) == {"listings", "meta", "stats"}
    meta = body["data"]["meta"]
    assert meta["limit"] == 25 and len(body["data"]["listings"]) == 25 and meta["hasMore"] is True
    assert meta["totalPages"] == -(-meta["total"] // 25)
    last = session.get(url, params={"page": meta["totalPages"], "limit": 25}).json()["data"]["meta"]
    assert last["hasMore"] is False


def test_actuallycare_limits_are_validated(docs_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(docs_sandbox)
    for params in ({"limit": 101}, {"limit": 0}, {"page": 0}, {"status": "lost"}, {"minPrice": "cheap"}):
        assert session.get(url, params=params).status_code == 400, params
    assert len(session.get(url, params={"limit": 100}).json()["data"]["listings"]) == 100
    sold = session.get(url, params={"status": "pending", "limit": 100}).json()["data"]["listings"]
    assert sold and {record["status"] for record in sold} == {"pending"}


def test_actuallycare_page_scan_returns_exactly_the_listings(docs_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(docs_sandbox)
    seen, page = {}, 1
    while True:
        data = session.get(url, params={"page": page, "limit": 100}).json()["data"]
        seen.update({record["id"]: record["list_price"] for record in data["listings"]})
        if not data["meta"]["hasMore"]:
            break
        page += 1
    assert seen == listed(docs_sandbox, "actuallycare")


def test_actuallycare_single_listing_and_404(docs_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(docs_sandbox)
    record = session.get(url).json()["data"]["listings"][0]
    single = session.get(f"{url}/{record['id']}").json()
    assert single["success"] is True and single["data"] == record
    assert session.get(f"{url}/550e8400-e29b-41d4-a716-446655440000").status_code == 404


def test_actuallycare_records_are_us_listings_with_versions(docs_sandbox: Sandbox) -> None:
    session, url = actuallycare_session(docs_sandbox)
    records = session.get(url, params={"limit": 100}).json()["data"]["listings"]
    assert any(record["bathrooms"] % 1 for record in records)
    for record in records:
        assert re.match(r"^\d+ .+, .+, [A-Z]{2} \d{5}$", record["address"])
        assert isinstance(record["version"], int) and record["version"] >= 1
        assert ISO_MILLIS_Z.match(record["created_at"]) and record["lot_size"] < 100  # acres
