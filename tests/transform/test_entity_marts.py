"""The entity marts (agents, offices, open houses, features) on one sandbox day loaded through the
real pipeline (dlt over HTTP, then dbt): each equals what the sandbox served, record by record.

The expected values are read from the records the sandbox served that day (``served_record``, the
same day, so what the pipeline stored), by the documents' field meanings: AvaroAI ``coordinator``,
EstatePrime ``users``/``store_id``, Apimo ``user``/``agency``, Enclosure/Koto ``agent``/``broker``/
``open_houses``, ActuallyCare ``user_id``; and the open houses also from the sandbox's own rule
(a weekly hour at 20:00 UTC on the listing's weekday), not from any record.
"""

import csv
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from listings_sandbox import Sandbox
from listings_sandbox.demo import NIGHTLY, demo_sandbox_config
from orchestration.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow  # a sandbox load and a dbt build: a minute or two

REPO = DBT_PROJECT_DIR.parent
ENTITY_MARTS = ("agents", "offices", "listing_open_houses", "listing_features")
DAY_SECONDS = 86_400


@dataclass
class Loaded:
    warehouse: Path
    # (source, account id, listing id) -> the record the sandbox served, for every listing in marts.listings
    records: dict[tuple[str, str, str], dict[str, Any]]
    # (source, account id, listing id) -> the sandbox's static draw (the open-house weekday)
    statics: dict[tuple[str, str, str], dict[str, Any]]

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()


def listings(*args: str, env: dict[str, str]) -> None:
    command = [str(Path(sys.executable).parent / "listings"), *args]
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp("entities")
    env = {**os.environ, "LISTINGS_DATA_DIR": str(folder), "LISTINGS_WAREHOUSE": "duckdb", **NIGHTLY}
    env.pop("LISTINGS_WAREHOUSE_PATH", None)
    work = folder / "dbt"  # not the project's target folder, which other tests read
    with Sandbox(demo_sandbox_config(seed=11)) as sandbox:
        env.update(sandbox.dlt_environment())
        listings("run", "--in-process", "--no-marts", env=env)
        # the entity models and what they read, with the tests whose every parent is among them
        selected = [f"+{model}" for model in (*ENTITY_MARTS, "int_listing_agents")]
        build = ("dbt", "build", "--select", *selected, "--indirect-selection", "cautious")
        listings(*build, "--target-path", str(work), "--log-path", str(work), env=env)
        warehouse = folder / "warehouse.duckdb"
        with duckdb.connect(str(warehouse), read_only=True) as con:
            keys = con.execute("select source, account_id, source_listing_id from marts.listings").fetchall()
        records, statics = {}, {}
        for source, account, listing_id in keys:
            world = next(world for world in sandbox.worlds(source) if world.account_id == account)
            state = world.lookup(listing_id)
            if state is None:  # a document's example the sandbox serves outside its worlds (Apimo's)
                continue
            records[(source, account, listing_id)] = sandbox.app(source).served_record(world, state)
            statics[(source, account, listing_id)] = world.static(state.idx)
        yield Loaded(warehouse, records, statics)


def key(source: str, account: str, identifier: Any) -> str | None:
    return None if identifier is None else f"{source}:{account}:{identifier}"


def served_agents(source: str, record: dict[str, Any]) -> list[Any]:
    """The agents a served record names, in the provider's order (the documents' fields)."""
    if source == "avaroai":
        return [record["coordinator"]]  # avaroai.txt:107
    if source == "estateprime":
        return list(record["users"])  # estateprime.txt:246
    if source == "apimo":
        user = record["user"]  # apimo.txt:47-48, or the id alone as in the example (:240)
        return [user["id"] if isinstance(user, dict) else user]
    if source in ("enclosure", "koto"):
        return [record["agent"]["name"]]  # enclosure_koto.txt:97-100
    return [record["user_id"]] if record.get("user_id") else []  # actuallycare.txt:216


def served_office(source: str, record: dict[str, Any]) -> Any:
    if source == "estateprime":
        return record["store_id"]  # estateprime.txt:147
    if source == "apimo":
        return record["agency"]  # apimo.txt:46
    if source in ("enclosure", "koto"):
        return record["broker"]["name"]  # enclosure_koto.txt:101-105
    return None


def test_each_listing_has_its_first_agent_and_its_office(loaded: Loaded) -> None:
    mart = {
        listing_key: (agent_key, office_key, agent_count)
        for listing_key, agent_key, office_key, agent_count in loaded.rows(
            "select listing_key, agent_key, office_key, agent_count from intermediate.int_listing_agents"
        )
    }
    expected = {}
    for (source, account, listing_id), record in loaded.records.items():
        agents = served_agents(source, record)
        expected[f"{source}:{account}:{listing_id}"] = (
            key(source, account, agents[0] if agents else None),
            key(source, account, served_office(source, record)),
            len(agents),
        )
    assert {listing: mart[listing] for listing in expected} == expected
    # one row per listing of marts.listings, for the join that gives marts.listings its agent_key
    assert len(mart) == loaded.rows("select count(*) from marts.listings")[0][0]
    several = [listing for listing, (_, _, count) in expected.items() if count > 1]
    assert several, "some EstatePrime listings name two users: the first is the primary agent"


def test_agents_and_offices_count_the_listings_that_name_them(loaded: Loaded) -> None:
    available = dict(loaded.rows("select listing_key, is_available from marts.listings"))
    agent_listings: Counter[str] = Counter()
    agent_active: Counter[str] = Counter()
    office_listings: Counter[str] = Counter()
    office_active: Counter[str] = Counter()
    office_agents: dict[str, set[str]] = defaultdict(set)
    for (source, account, listing_id), record in loaded.records.items():
        listing_key = f"{source}:{account}:{listing_id}"
        office = key(source, account, served_office(source, record))
        for agent in {key(source, account, agent) for agent in served_agents(source, record)}:
            agent_listings[agent] += 1
            agent_active[agent] += available[listing_key]
            if office:
                office_agents[office].add(agent)
        if office:
            office_listings[office] += 1
            office_active[office] += available[listing_key]
    # the document's example served by the Apimo sandbox (user 10, no agency: the account's agency)
    example = loaded.rows(
        "select listing_key, agent_key, office_key from intermediate.int_listing_agents"
        " where listing_key like 'apimo:%:181297'"
    )
    for listing_key, agent, office in example:
        agent_listings[agent] += 1
        agent_active[agent] += available[listing_key]
        office_listings[office] += 1
        office_active[office] += available[listing_key]
        office_agents[office].add(agent)
    agents = {
        row[0]: row[1:]
        for row in loaded.rows("select agent_key, listing_count, active_listing_count from marts.agents")
    }
    assert agents == {agent: (count, agent_active[agent]) for agent, count in agent_listings.items()}
    offices = {
        row[0]: row[1:]
        for row in loaded.rows("select office_key, listing_count, active_listing_count, agent_count from marts.offices")
    }
    assert offices == {
        office: (count, office_active[office], len(office_agents[office])) for office, count in office_listings.items()
    }
    assert {provider for (provider,) in loaded.rows("select distinct provider from marts.offices")} == {
        "apimo",
        "enclosure_koto",
        "estateprime",
    }


def test_agents_carry_the_names_and_public_contacts_the_documents_give(loaded: Loaded) -> None:
    details = {
        row[0]: row[1:]
        for row in loaded.rows("select agent_key, agent_name, agent_email, agent_phone from marts.agents")
    }
    for (source, account, _), record in loaded.records.items():
        agent_key = key(source, account, served_agents(source, record)[0]) if served_agents(source, record) else None
        if agent_key is None:
            continue
        name, email, phone = details[agent_key]
        if source == "avaroai":
            assert (name, email, phone) == (record["coordinator"], None, None)
        elif source in ("enclosure", "koto"):
            # the name is the identifier; the contacts are the latest listing's (they vary by listing)
            assert name == record["agent"]["name"] and email and phone
        else:  # ids only (EstatePrime, ActuallyCare), or contacts the document does not make public (Apimo)
            assert (email, phone) == (None, None)
            assert source == "apimo" or name is None


def test_every_open_house_the_sandbox_served_is_in_the_mart_and_no_other(loaded: Loaded) -> None:
    mart = {
        (listing_key, starts_at, ends_at)
        for listing_key, starts_at, ends_at in loaded.rows(
            "select listing_key, starts_at, ends_at from marts.listing_open_houses"
        )
    }
    served, weekly = set(), set()
    for (source, account, listing_id), record in loaded.records.items():
        if source not in ("enclosure", "koto"):
            continue
        listing_key = f"{source}:{account}:{listing_id}"
        for slot in record.get("open_houses", []):  # enclosure_koto.txt:106-108
            starts_at, ends_at = (
                datetime.fromisoformat(slot[name].replace("Z", "+00:00")) for name in ("start", "end")
            )
            served.add((listing_key, starts_at, ends_at))
        if weekday := loaded.statics[(source, account, listing_id)]["open_house_slot"]:
            weekly.add(listing_key)
    assert mart == served
    assert served, "the sandbox serves open houses"
    # the sandbox's own rule: exactly one slot for each listing with a weekly open house, an hour from
    # 20:00 UTC on a day of its weekday
    assert {listing_key for listing_key, _, _ in mart} == weekly
    for listing_key, starts_at, ends_at in mart:
        source, account, listing_id = listing_key.split(":")
        weekday = loaded.statics[(source, account, listing_id)]["open_house_slot"]
        seconds = int(starts_at.astimezone(UTC).timestamp())
        assert seconds % DAY_SECONDS == 20 * 3600 and (seconds // DAY_SECONDS - weekday) % 7 == 0
        assert (ends_at - starts_at).total_seconds() == 3600
    assert len(mart) == len(weekly)


def crosswalk() -> dict[tuple[str, str, str], list[str]]:
    """(provider, field, value) -> its unified features (an empty one: no feature of the home)."""
    mapping: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    with (DBT_PROJECT_DIR / "seeds" / "crosswalk_features.csv").open() as rows:
        for row in csv.DictReader(rows):
            mapping[(row["provider"], row["source_field"], row["source_value"])].append(row["feature"])
    return mapping


def served_features(source: str, record: dict[str, Any]) -> set[tuple[str, str]]:
    """(source_field, source_feature) of a served record, per the documents' feature fields."""
    if source == "avaroai":
        return {("parking", value) for value in record["parking"]}  # avaroai.txt:114
    if source == "estateprime":
        found = {("features", value) for value in record["features"]}  # estateprime.txt:240
        found |= {("view", value) for value in record["view"]}  # :242
        if record["garden"]:
            found.add(("garden", record["garden"]))  # :190
        for count in ("parking_garage", "parking_total"):  # :185-186
            if record[count]:
                found.add((count, count))
        return found
    if source == "apimo":
        found = {("services", str(code)) for code in record["services"]}  # apimo.txt:155
        return found | {("areas", str(area["type"])) for area in record["areas"]}  # :177-178
    return set()


def test_listing_features_are_each_served_feature_with_its_unified_name(loaded: Loaded) -> None:
    mapping = crosswalk()
    providers = {"enclosure": "enclosure_koto", "koto": "enclosure_koto"}
    expected = set()
    for (source, account, listing_id), record in loaded.records.items():
        provider = providers.get(source, source)
        for field, value in served_features(source, record):
            for feature in mapping.get((provider, field, value), ["other"]):
                if feature:  # an empty feature: no feature of the home (an Apimo room)
                    expected.add((f"{source}:{account}:{listing_id}", feature, field, value))
    mart = set(loaded.rows("select listing_key, feature, source_field, source_feature from marts.listing_features"))
    example = {row for row in mart if row[0].endswith(":181297")}  # Apimo's document example
    assert mart - example == expected
    # the same thing under each provider's own word: an EstatePrime garage count and an AvaroAI Garage,
    # each also parking (avaroai.txt:114, estateprime.txt:185-186)
    garages = {(key.split(":")[0], field) for key, feature, field, _ in mart if feature == "garage"}
    assert garages == {("estateprime", "parking_garage"), ("avaroai", "parking")}
    parking = {key for key, feature, _, _ in mart if feature == "parking"}
    assert {key for key, feature, _, _ in mart if feature == "garage"} <= parking
    # Apimo's services codes are named nowhere: kept as `other`, never dropped
    assert {feature for _, feature, field, _ in mart if field == "services"} == {"other"}


def test_the_entity_marts_carry_no_price(loaded: Loaded) -> None:
    """They are published without masking (orchestration/warehouse/publish.py): no column may hold a price."""
    for mart in ENTITY_MARTS:
        columns = [
            name
            for (name,) in loaded.rows(
                f"select column_name from duckdb_columns() where schema_name = 'marts' and table_name = '{mart}'"
            )
        ]
        assert columns and not [name for name in columns if "price" in name]


def test_agents_and_offices_are_seen_when_their_listings_are(loaded: Loaded) -> None:
    """On one day every stored version is its listing's first and latest: an agent or office was
    first seen with the first of its listings, and last seen when the last of them was (marts.listings)."""
    windows: dict[str, list] = {}
    named = loaded.rows("""
        select agent_versions.agent_key, agent_versions.office_key, listings.first_seen_at, listings.last_seen_at
        from intermediate.int_listing_agent_versions as agent_versions
        inner join marts.listings using (listing_key)
    """)
    for agent_key, office_key, first_seen_at, last_seen_at in named:
        for entity in filter(None, (agent_key, office_key)):
            first, last = windows.setdefault(entity, [first_seen_at, last_seen_at])
            windows[entity] = [min(first, first_seen_at), max(last, last_seen_at)]
    seen = loaded.rows("select agent_key, first_seen_at, last_seen_at from marts.agents")
    seen += loaded.rows("select office_key, first_seen_at, last_seen_at from marts.offices")
    assert {entity: [first, last] for entity, first, last in seen} == windows
