"""marts.listings' analyst attributes against the listings the sandbox generated.

Two sandbox days through the real sources (dlt over HTTP) and a real dbt build. Each listing's
attributes come from what the sandbox generated for it (its world's static values, which its
provider module serves), never from the served JSON: Apimo's rooms, floor, building floors, energy
and greenhouse-gas classes, charges, agency fees, condition code and sold price and date;
EstatePrime's floor, building floors, maintenance fee, energy class, condition and renovation, and
its "Price Reduced" tag (the sandbox sets it while the price is below the first asking price). The
first price the pipeline saw is the truth's price at the first load that found the listing.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from listings_sandbox import Sandbox, SandboxConfig
from orchestration.registry import provider_names

from .sandbox_loads import load_sandbox_days

pytestmark = pytest.mark.slow  # a dbt build: started first under pytest-xdist (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
ListingId = tuple[str, str, str]  # source, account, source listing id
ATTRIBUTES = (
    "sold_price",
    "sold_at",
    "is_marked_price_reduced",
    "rooms",
    "energy_class",
    "energy_class_source_value",
    "greenhouse_gas_class",
    "greenhouse_gas_class_source_value",
    "floor",
    "building_floors",
    "monthly_running_costs",
    "agency_fees",
    "condition",
    "condition_source_value",
    "year_renovated",
)
# the sandbox's Apimo codes (its module docstring): category 1 sale, 2 rental, 3 seasonal rental
APIMO_SALE, APIMO_RENTAL = 1, 2
APIMO_DOCUMENT_EXAMPLE = "181297"  # apimo.txt:240, served among the first agency's records
# estateprime.txt:211, to the unified A..G scale (crosswalk_vocabulary)
ESTATEPRIME_ENERGY = {"ap": "A", "a": "A", "bp": "B", "b": "B", "c": "C", "d": "D", "e": "E", "f": "F", "g": "G"}


@dataclass
class Loaded:
    mart: dict[ListingId, dict[str, Any]]
    # per day, after that day's load: every listing the source has served -> its truth record
    days: list[dict[ListingId, dict[str, Any]]]
    # the generated static values of every listing (the document's example has none)
    static: dict[ListingId, dict[str, Any]]

    def listed(self, source: str) -> list[ListingId]:
        today = self.days[-1]
        return [key for key, record in today.items() if key[0] == source and record["is_listed"]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp("attributes")
    with pytest.MonkeyPatch.context() as env, Sandbox(SandboxConfig(seed=23, total_listings=600)) as sandbox:
        days = load_sandbox_days(env, sandbox, folder)
        static = {}
        for source in provider_names():
            for world in sandbox.worlds(source):
                for key in days[-1]:
                    if key[:2] == (source, world.account_id):
                        idx = world.generator.listing_idx(key[2])
                        if idx is not None:
                            static[key] = world.static(idx)
        build = subprocess.run(
            [str(Path(sys.executable).parent / "listings"), "dbt", "build"]
            + ["--target-path", str(folder / "target"), "--log-path", str(folder / "logs")],
            cwd=REPO,
            env=dict(os.environ),
            capture_output=True,
            text=True,
        )
        assert build.returncode == 0, build.stdout[-5000:]
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as warehouse:
        cursor = warehouse.execute("select * from marts.listings")
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    mart = {(row["source"], row["account_id"], row["source_listing_id"]): row for row in rows}
    yield Loaded(mart, days, static)


def decimal(value: float | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def mismatches(expected: dict[ListingId, dict], actual: dict[ListingId, dict]) -> dict:
    return {key: (expected[key], actual[key]) for key in expected if expected[key] != actual[key]}


def mart_values(loaded: Loaded, keys: list[ListingId], columns: tuple[str, ...]) -> dict[ListingId, dict]:
    return {key: {column: loaded.mart[key][column] for column in columns} for key in keys}


def test_apimo_attributes_are_the_generated_listing_s(loaded: Loaded) -> None:
    keys = [key for key in loaded.listed("apimo") if key[2] != APIMO_DOCUMENT_EXAMPLE]
    expected = {}
    for key in keys:
        static, truth = loaded.static[key], loaded.days[-1][key]
        energy, category = static["energy"], static["category"]
        sold = truth["status"] == "sold" and category == APIMO_SALE
        sold_on = datetime.fromisoformat(truth["updated_at"]).astimezone(ZoneInfo("Europe/Paris")).date()
        expected[key] = {
            "rooms": Decimal(static["rooms"]),  # "pièces" (apimo.txt:105)
            "floor": decimal(static["floor"]["value"]),  # apimo.txt:140
            "building_floors": static["floor"]["floors"],  # apimo.txt:142
            "energy_class": energy and energy[0],  # the regulations entry of type 1 (apimo.txt:187)
            "greenhouse_gas_class": energy and energy[1],  # type 2
            # the codes are the document's no names (apimo.txt:145): kept, and unknown
            "condition": None if static["condition"] is None else "unknown",
            "condition_source_value": None if static["condition"] is None else str(static["condition"]),
            # "Fees included" (apimo.txt:111): a monthly rent's charges, a sale's agency fees
            "monthly_running_costs": decimal(static["charges"]) if category == APIMO_RENTAL else None,
            "agency_fees": decimal(round(truth["price"] * static["fee_rate"] / (1 + static["fee_rate"])))
            if category == APIMO_SALE
            else None,
            "sold_price": decimal(truth["price"]) if sold else None,  # apimo.txt:124
            "sold_at": sold_on if sold else None,  # the contract date (apimo.txt:125), Paris
            "is_marked_price_reduced": None,
            "year_renovated": None,
        }
    wrong = mismatches(expected, mart_values(loaded, keys, tuple(expected[keys[0]])))
    assert not wrong, f"{len(wrong)} of {len(expected)} differ, e.g. {list(wrong.items())[:3]}"
    # every kind of value was there to compare
    assert any(values["sold_price"] for values in expected.values())
    assert any(values["monthly_running_costs"] for values in expected.values())
    assert any(values["energy_class"] is None for values in expected.values())
    homes = [key for key in keys if loaded.static[key]["type"] in (1, 2)]  # apartments and houses
    assert homes and all(loaded.mart[key]["rooms"] > 0 for key in homes)


def test_estateprime_attributes_are_the_generated_listing_s(loaded: Loaded) -> None:
    keys = loaded.listed("estateprime")
    expected = {}
    for key in keys:
        static, truth = loaded.static[key], loaded.days[-1][key]
        expected[key] = {
            "floor": decimal(static["floor"]),  # a float (estateprime.txt:155)
            "building_floors": static["total_building_floors"],  # estateprime.txt:178
            "monthly_running_costs": decimal(static["monthly_maintenance"]),  # estateprime.txt:204
            "energy_class": ESTATEPRIME_ENERGY.get(static["energy_class"]),  # estateprime.txt:211
            "energy_class_source_value": static["energy_class"],
            "condition": static["property_condition"],  # its words are the unified ones (estateprime.txt:160)
            "year_renovated": static["year_renovated"],  # estateprime.txt:188
            # "rooms/bedrooms" (estateprime.txt:157): bedrooms, no total room count (the default reading)
            "rooms": None,
            "bedrooms": static["rooms"],
            # the store's "Price Reduced" tag, which the sandbox sets while the price is below the first
            "is_marked_price_reduced": truth["price"] < static["base_price"],
            "sold_price": None,  # no status means sold (estateprime.txt:161)
            "sold_at": None,
            "agency_fees": None,
        }
    wrong = mismatches(expected, mart_values(loaded, keys, tuple(expected[keys[0]])))
    assert not wrong, f"{len(wrong)} of {len(expected)} differ, e.g. {list(wrong.items())[:3]}"
    assert {values["is_marked_price_reduced"] for values in expected.values()} == {True, False}
    assert {values["energy_class_source_value"] for values in expected.values()} >= {"ap", "bp"}


def test_providers_that_send_none_of_them_leave_them_null(loaded: Loaded) -> None:
    silent = {"avaroai", "actuallycare", "enclosure", "koto"}
    keys = [key for key in loaded.mart if key[0] in silent]
    sent = {key: values for key, values in mart_values(loaded, keys, ATTRIBUTES).items() if any(values.values())}
    assert keys and not sent, f"{len(sent)} listings carry attributes their provider never sends: {list(sent)[:3]}"


def test_original_list_price_is_the_provider_s_or_the_first_price_seen(loaded: Loaded) -> None:
    """Apimo's own first price where it sends one (`price.first_value`: the document's example only,
    apimo.txt:240); else the price at the first load that found the listing."""
    expected, actual = {}, {}
    for key, row in loaded.mart.items():
        actual[key] = (row["original_list_price"], row["original_list_price_source"])
        if key == ("apimo", key[1], APIMO_DOCUMENT_EXAMPLE):
            expected[key] = (Decimal("670"), "provider")
            continue
        # the first day that served it listed (or at all: EstatePrime serves some listings deleted)
        served = [day for day in loaded.days if key in day]
        first_day = next((day for day in served if day[key]["is_listed"]), served[0])
        expected[key] = (decimal(first_day[key]["price"]), "first_seen")
    wrong = mismatches(expected, actual)
    assert not wrong, f"{len(wrong)} of {len(expected)} differ, e.g. {list(wrong.items())[:3]}"
    # prices moved between the loads: a first price that is not the current one was there to compare
    assert any(row["original_list_price"] != row["list_price"] for row in loaded.mart.values())
