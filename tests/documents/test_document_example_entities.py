"""The documents' own example payloads through the whole pipeline: their agents, offices, open houses
and features in the entity marts, as an independent reader of the documents found them
(``independent_reading/analyst_fields.md`` section 3, which cites the document lines).

The examples are loaded and built once by ``test_document_examples.py``'s ``warehouse`` fixture.
Where this project reads a document differently from the reader, the document decides, and the
comment beside the value says why:
- AvaroAI's coordinator and Enclosure/Koto's agent and broker have no id (avaroai.txt:107,
  enclosure_koto.txt:97-105). The reader leaves the id null (J11); the marts key the agent and the
  office on the name, the only identifier the document gives, and say so.
- Apimo's `services` and area codes are named nowhere (apimo.txt:155, :178). The reader's unified
  features are null (J13), with the raw codes kept; the mart keeps each code as a row, unified as
  `other` (the open world: kept and surfaced, never dropped).
- EstatePrime's `view` keys (estateprime.txt:242) the reader keeps as a separate views attribute
  "by default; alternatively merged into features": the mart merges them, under source_field `view`.
"""

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.documents.test_document_examples import warehouse  # noqa: F401  (the loaded examples)

pytestmark = [pytest.mark.slow]


def rows(folder: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def listing_of(folder: Path, source: str) -> tuple[str, str]:
    """The example listing's key and account of ``source``."""
    [(listing_key, account)] = rows(
        folder, f"select listing_key, account_id from marts.listings where source = '{source}'"
    )
    return listing_key, account


def primary(folder: Path, listing_key: str) -> tuple:
    [row] = rows(
        folder,
        "select agent_key, office_key, agent_count from intermediate.int_listing_agents"
        f" where listing_key = '{listing_key}'",
    )
    return row


def agent(folder: Path, agent_key: str) -> tuple:
    [row] = rows(
        folder,
        f"select source_agent_id, agent_name, agent_email, agent_phone, office_key, listing_count, active_listing_count"
        f" from marts.agents where agent_key = '{agent_key}'",
    )
    return row


def office(folder: Path, office_key: str) -> tuple:
    [row] = rows(
        folder,
        f"select source_office_id, office_name, office_email, office_phone, office_logo_url, agent_count, listing_count"
        f" from marts.offices where office_key = '{office_key}'",
    )
    return row


def features(folder: Path, listing_key: str) -> set[tuple[str, str, str]]:
    return set(
        rows(
            folder,
            "select feature, source_field, source_feature from marts.listing_features"
            f" where listing_key = '{listing_key}'",
        )
    )


def open_houses(folder: Path, listing_key: str) -> list[tuple]:
    return rows(
        folder,
        f"select starts_at, ends_at from marts.listing_open_houses where listing_key = '{listing_key}' order by 1",
    )


def test_avaroai_example_coordinator_and_parking(warehouse: Path) -> None:  # noqa: F811
    listing_key, account = listing_of(warehouse, "avaroai")
    # "coordinator": "Jane Smith" (avaroai.txt:52, :107): a name only, keyed on it; no office (3.1)
    agent_key = f"avaroai:{account}:Jane Smith"
    assert primary(warehouse, listing_key) == (agent_key, None, 1)
    assert agent(warehouse, agent_key) == ("Jane Smith", "Jane Smith", None, None, None, 1, 1)
    # "parking": ["Garage", "Driveway"] (avaroai.txt:59, :114): the reader's ["garage", "parking"]
    assert features(warehouse, listing_key) == {
        ("garage", "parking", "Garage"),
        ("parking", "parking", "Garage"),  # a garage is one of the "parking types" (avaroai.txt:114)
        ("parking", "parking", "Driveway"),
    }
    assert open_houses(warehouse, listing_key) == []


def test_estateprime_example_users_store_and_features(warehouse: Path) -> None:  # noqa: F811
    listing_key, account = listing_of(warehouse, "estateprime")
    # "users": [3, 8] (estateprime.txt:119, :246): the first is the primary agent (J11); "store_id": 2 (:16, :147)
    office_key = f"estateprime:{account}:2"
    assert primary(warehouse, listing_key) == (f"estateprime:{account}:3", office_key, 2)
    for user in ("3", "8"):  # ids only: no name, email or phone (3.2)
        assert agent(warehouse, f"estateprime:{account}:{user}") == (user, None, None, None, office_key, 1, 1)
    assert office(warehouse, office_key) == ("2", None, None, None, None, 2, 1)
    found = features(warehouse, listing_key)
    # the reader's ["alarm", "elevator", "garage", "parking", "storage"]: features (estateprime.txt:113),
    # parking_garage 1 and parking_total 1 (:51-52); garden null (:56)
    assert {feature for feature, field, _ in found if field != "view"} == {
        "alarm",
        "elevator",
        "garage",
        "parking",
        "storage",
    }
    # the reader's views ["mountain_view", "sea_view"] (estateprime.txt:115), merged here under `view`
    assert {(feature, value) for feature, field, value in found if field == "view"} == {
        ("mountain_view", "mountain_view"),
        ("sea_view", "sea_view"),
    }
    assert open_houses(warehouse, listing_key) == []


def test_apimo_example_user_agency_and_codes(warehouse: Path) -> None:  # noqa: F811
    listing_key, account = listing_of(warehouse, "apimo")
    # "user": 10 (apimo.txt:240): the id alone, no name; no "agency": the request's {agency_id} (:31, :46)
    agent_key, office_key = f"apimo:{account}:10", f"apimo:{account}:{account}"
    assert primary(warehouse, listing_key) == (agent_key, office_key, 1)
    assert agent(warehouse, agent_key) == ("10", None, None, None, office_key, 1, 1)
    assert office(warehouse, office_key) == (account, None, None, None, None, 1, 1)
    # "services": [6,9,1,23] and area types "15","1","3","20","41","6" (apimo.txt:240): no code is named
    # (J13), so no unified feature; the codes are kept as `other`, the rooms the crosswalk knows left out
    assert features(warehouse, listing_key) == {
        ("other", "services", "6"),
        ("other", "services", "9"),
        ("other", "services", "1"),
        ("other", "services", "23"),
        ("other", "areas", "41"),
    }
    assert open_houses(warehouse, listing_key) == []


@pytest.mark.parametrize("source", ["enclosure", "koto"])
def test_enclosure_koto_example_agent_broker_and_open_houses(warehouse: Path, source: str) -> None:  # noqa: F811
    listing_key, account = listing_of(warehouse, source)
    # agent and broker (enclosure_koto.txt:164-174): no ids, keyed on their names
    agent_key, office_key = f"{source}:{account}:Listing Agent Name", f"{source}:{account}:Listing Broker Name"
    assert primary(warehouse, listing_key) == (agent_key, office_key, 1)
    assert agent(warehouse, agent_key) == (
        "Listing Agent Name",
        "Listing Agent Name",
        "...",  # as sent (3.7)
        "5555555554",
        office_key,
        1,
        1,
    )
    assert office(warehouse, office_key) == (
        "Listing Broker Name",
        "Listing Broker Name",
        "...",
        "5555555555",
        "http://...",
        1,
        1,
    )
    # two slots, UTC as sent (enclosure_koto.txt:107-108, :178-180)
    assert open_houses(warehouse, listing_key) == [
        (datetime(2021, 5, 1, 20, tzinfo=UTC), datetime(2021, 5, 1, 21, tzinfo=UTC)),
        (datetime(2021, 5, 5, 20, tzinfo=UTC), datetime(2021, 5, 5, 21, tzinfo=UTC)),
    ]
    assert features(warehouse, listing_key) == set()  # no features concept (3.7)


def test_actuallycare_example_names_no_agent(warehouse: Path) -> None:  # noqa: F811
    listing_key, _ = listing_of(warehouse, "actuallycare")
    # no user_id in the list item (actuallycare.txt:48-59; 3.8): no agent, no office
    assert primary(warehouse, listing_key) == (None, None, 0)
    assert rows(warehouse, "select count(*) from marts.agents where source = 'actuallycare'") == [(0,)]
    assert features(warehouse, listing_key) == set()
    assert open_houses(warehouse, listing_key) == []
