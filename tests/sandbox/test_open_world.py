"""The open world: every host sometimes serves property types and statuses its document never lists."""

import requests

from listings_sandbox import HOSTS, OPEN_WORLD_VALUES, Sandbox, SandboxConfig

from .conftest import actuallycare_session, provider

# estateprime.txt:150 and enclosure_koto.txt:218, as the documents spell them
ESTATEPRIME_SUBCATEGORIES = (
    "apartment maisonette detached villa loft residential_building apartment_complex farmhouse houseboat "
    "other_residential office store warehouse hotel commercial_building hall industrial_space craft_space "
    "other_commercial plot parcel island parking business air other"
)
ENCLOSURE_PROPERTY_TYPES = (
    "acreage apartment cattle_ranch commercial community condominium duplex farm fishing_land foreclosure "
    "garage home_with_acreage house hunting_land lots_land mobile_manufactured mountain_land multifamily "
    "new_construction ranch ranch_horse recreational_land residential retail senior_community single_family "
    "timberland townhouse unspecified vacation_home waterfront"
)
# What each document does list (line numbers in provider_docs/<provider>.txt)
DOCUMENTED = {
    "avaroai": {"property": {"Villa", "Apartment", "Townhouse"}},  # avaroai.txt:108 (examples)
    "estateprime": {
        "subcategory": set(ESTATEPRIME_SUBCATEGORIES.split()),
        "status": {"draft", "pending", "active", "inactive", "archived", "deleted"},  # estateprime.txt:161
    },
    "enclosure": {
        "property_type": set(ENCLOSURE_PROPERTY_TYPES.split()),
        "status": {"active", "pending"},  # enclosure_koto.txt:73
    },
    "actuallycare": {
        "property_type": {"single_family", "condo", "townhouse", "multi_family", "land", "commercial"},  # :82
        "status": {"active", "pending", "sold", "withdrawn", "expired"},  # actuallycare.txt:21
    },
}
DOCUMENTED["koto"] = DOCUMENTED["enclosure"]
PROPERTY_FIELDS = {
    "avaroai": "property",
    "estateprime": "subcategory",
    "apimo": "type",
    "enclosure": "property_type",
    "koto": "property_type",
    "actuallycare": "property_type",
}
STATUS_FIELDS = {  # AvaroAI sends no status
    "estateprime": "status",
    "apimo": "step",
    "enclosure": "status",
    "koto": "status",
    "actuallycare": "status",
}


def scan(sandbox: Sandbox, host: str) -> dict[str, dict]:
    """Every record a host serves, by id as a string, read the documented way."""
    info, seen = provider(sandbox, host), {}
    if host == "avaroai":
        url = info["base_url"] + "/listings"
        while url:
            body = requests.get(url, headers={"Authorization": f"Bearer {info['api_key']}"}).json()
            seen.update({record["id"]: record for record in body["data"]})
            url = body["links"]["next"]
    elif host == "estateprime":
        for account in info["accounts"]:
            page, pages = 1, 1
            while page <= pages:
                url, headers = info["base_url"] + "/listings", {info["auth_header"]: account["api_key"]}
                body = requests.get(url, headers=headers, json={"page": page}).json()
                seen.update({str(record["id"]): record for record in body["data"]})
                page, pages = page + 1, body["total_pages"]
    elif host == "apimo":
        for agency in info["agencies"]:
            offset, total = 0, 1
            while offset < total:
                body = requests.get(
                    f"{info['base_url']}/agencies/{agency}/properties",
                    params={"limit": 200, "offset": offset},
                    auth=(info["provider"], info["token"]),
                ).json()
                seen.update({str(record["id"]): record for record in body["properties"]})
                offset, total = offset + 200, body["total_items"]
    elif host in ("enclosure", "koto"):
        for territory in info["territories"]:
            created_min = None
            while True:
                params = {"key": info["key"], "territory": territory, "sort_by": "created_at asc", "limit": 50}
                params |= {"created_min": created_min} if created_min else {}
                records = requests.get(info["base_url"] + "/listings", params=params).json()["data"]
                seen.update({record["id"]: record for record in records})
                if len(records) < 50:
                    break
                created_min = records[-1]["created_at"]
    else:
        session, url = actuallycare_session(sandbox)
        page, more = 1, True
        while more:
            data = session.get(url, params={"page": page, "limit": 100}).json()["data"]
            seen.update({record["id"]: record for record in data["listings"]})
            page, more = page + 1, data["meta"]["hasMore"]
    return seen


def test_open_world_values_are_exported_per_host_and_field_and_no_document_lists_them() -> None:
    assert set(OPEN_WORLD_VALUES) == set(HOSTS)
    for host, fields in OPEN_WORLD_VALUES.items():
        assert PROPERTY_FIELDS[host] in fields and (host == "avaroai" or STATUS_FIELDS[host] in fields)
        for field, values in fields.items():
            assert values and not set(values) & DOCUMENTED.get(host, {}).get(field, set()), (host, field)


def test_every_host_serves_open_world_values_and_the_truth_reports_them_raw(docs_sandbox: Sandbox) -> None:
    for host in HOSTS:
        served, unusual = scan(docs_sandbox, host), OPEN_WORLD_VALUES[host]
        truth = {row["source_listing_id"]: row for row in docs_sandbox.truth(host)}
        property_field = PROPERTY_FIELDS[host]
        assert {i: record[property_field] for i, record in served.items()} == {
            i: truth[i]["property_type"] for i in served
        }, host
        touched = {i for i, record in served.items() if any(record.get(f) in values for f, values in unusual.items())}
        assert 0.005 <= len(touched) / len(served) <= 0.03, (host, len(touched), len(served))
        assert {record[property_field] for record in served.values()} & set(unusual[property_field]), host
        if host == "apimo":  # an unknown type comes with an unknown subtype
            assert all(
                (record["type"] in unusual["type"]) == (record["subtype"] in unusual["subtype"])
                for record in served.values()
            )
        if host in STATUS_FIELDS:
            status_field = STATUS_FIELDS[host]
            unknown = {i: r[status_field] for i, r in served.items() if r[status_field] in unusual[status_field]}
            assert unknown, host
            for listing_id, status in unknown.items():  # listed, never removed, reported raw
                assert truth[listing_id]["status"] == status and truth[listing_id]["is_listed"], host
                assert truth[listing_id]["removed_at"] is None


def test_without_the_open_world_only_documented_words_are_served() -> None:
    with Sandbox(SandboxConfig(seed=5, open_world=False, options={"actuallycare": {"rate_limit": None}})) as sandbox:
        for host in ("estateprime", "enclosure", "actuallycare"):
            for record in scan(sandbox, host).values():
                for field, documented in DOCUMENTED[host].items():
                    assert record[field] in documented, (host, field, record[field])
        for host in HOSTS:
            for row in sandbox.truth(host):
                assert row["property_type"] not in OPEN_WORLD_VALUES[host][PROPERTY_FIELDS[host]]
                assert all(row["status"] not in values for values in OPEN_WORLD_VALUES[host].values())
