"""The marts rebuild only the listings that changed, and equal a rebuild from raw after every load.

Raw rows are written straight into a DuckDB file in the shape dlt lands them (dlt_sources/common/raw.py:
version, removal and miss rows, and the dataset's ``_dlt_loads``), for one provider (EstatePrime:
hidden prices and a `deleted` status), so that each case is there on purpose: a price change, a price
back to an earlier value, a hidden-price toggle, a removal and a return, a scan that missed a listing,
a listing left without photos, a provider deletion, and a day that changes nothing. After each load,
real dbt builds the warehouse incrementally, and a copy is rebuilt with ``--full-refresh``: the marts
and the incremental models must be equal, row for row. A corrected crosswalk and a changed provider
setting must then reach all history without ``--full-refresh``.
"""

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from filelock import FileLock

from orchestration.registry import by_name, dbt_vars

from .conftest import table_fingerprints
from .dbt_runner import dbt as run_dbt

pytestmark = pytest.mark.slow  # a dozen dbt invocations: started first under pytest-xdist

SOURCE = "estateprime"
ACCOUNT = "store-1"
DAY_ONE = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def payload(
    listing_id: str,
    price: int,
    *,
    hidden: bool = False,
    status: str = "active",
    photos: int = 2,
    features: tuple[str, ...] = ("elevator", "storage"),
    users: tuple[int, ...] = (3, 8),
) -> str:
    """An EstatePrime listing (estateprime.txt:144-253) with the fields the marts read."""
    return json.dumps(
        {
            "code": listing_id,
            "availability": "sale",
            "category": "apartment",
            "status": status,
            "price": price,
            "has_hidden_price": hidden,
            "date_created": "2026-02-20T10:00:00",
            "features": list(features),
            "users": list(users),
            "store_id": 12,
            "photos": [
                {"original_image": f"https://img.example/{listing_id}/{n}.jpg", "watermark_image": None}
                for n in range(photos)
            ],
        },
        sort_keys=True,
    )


class RawDataset:
    """raw_estateprime as dlt leaves it: an append-only listings table and the committed loads."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse, self.loads = warehouse, 0
        with duckdb.connect(str(warehouse)) as con:
            con.execute(f"create schema raw_{SOURCE}")
            con.execute(f"""
                create table raw_{SOURCE}.listings (
                    account_id varchar not null, source_listing_id varchar not null, is_removal boolean not null,
                    payload varchar, payload_hash varchar, observed_at timestamp with time zone not null,
                    _dlt_load_id varchar not null
                )
            """)
            con.execute(f"""
                create table raw_{SOURCE}._dlt_loads (
                    load_id varchar not null, schema_name varchar, status bigint not null,
                    inserted_at timestamp with time zone not null, schema_version_hash varchar
                )
            """)

    def load(self, rows: list[tuple[str, str, str | None]]) -> None:
        """One committed load a day: (listing id, kind, payload) with kind version, removal or miss."""
        observed_at = DAY_ONE + timedelta(days=self.loads)
        self.loads += 1
        load_id = f"{observed_at.timestamp():.6f}"
        with duckdb.connect(str(self.warehouse)) as con:
            for listing_id, kind, document in rows:
                digest = hashlib.sha256(document.encode()).hexdigest() if document else None
                con.execute(
                    f"insert into raw_{SOURCE}.listings values (?, ?, ?, ?, ?, ?, ?)",
                    [ACCOUNT, listing_id, kind == "removal", document, digest, observed_at, load_id],
                )
            con.execute(
                f"insert into raw_{SOURCE}._dlt_loads values (?, ?, 0, ?, null)",
                [load_id, SOURCE, observed_at + timedelta(minutes=5)],
            )


def registry_vars(**settings: str) -> list[str]:
    """The provider registry of EstatePrime alone, its settings changed by ``settings``."""
    registry = json.loads(dbt_vars([by_name(SOURCE)])["provider_registry"])
    registry[SOURCE].update(settings)
    return ["--vars", json.dumps({"provider_registry": json.dumps(registry)})]


def dbt(warehouse: Path, work: Path, *args: str, settings: dict[str, str] | None = None) -> None:
    """The project's dbt on ``warehouse``, with the provider's ``settings`` in the registry."""
    run_dbt(warehouse, work, *args, vars_argument=registry_vars(**(settings or {})))


def build(warehouse: Path, work: Path, *options: str, settings: dict[str, str] | None = None) -> None:
    dbt(warehouse, work, "run", "--select", "+path:models/marts", *options, settings=settings)


def rebuilt_from_raw(warehouse: Path, work: Path, settings: dict[str, str] | None = None) -> dict[str, Any]:
    copy = work / "rebuilt.duckdb"
    shutil.copy(warehouse, copy)
    build(copy, work, "--full-refresh", settings=settings)
    return table_fingerprints(copy)


def one_row(warehouse: Path, sql: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchone()


# (listing id, kind, payload) per daily load
DAYS: list[list[tuple[str, str, str | None]]] = [
    [
        ("l1", "version", payload("l1", 100)),
        ("l2", "version", payload("l2", 200)),
        ("l3", "version", payload("l3", 300)),
        ("l4", "version", payload("l4", 400)),
    ],
    [
        # a price change, a feature and an agent fewer
        ("l1", "version", payload("l1", 90, features=("elevator",), users=(8,))),
        ("l2", "version", payload("l2", 200, hidden=True)),  # the price hidden, the amount kept
        ("l3", "removal", None),  # a complete scan no longer finds it
        ("l4", "version", payload("l4", 400, photos=0)),  # its photos gone
    ],
    [
        ("l1", "version", payload("l1", 100)),  # back to its first price
        ("l2", "version", payload("l2", 200)),  # the price shown again
        ("l3", "version", payload("l3", 300)),  # back on the market, unchanged
        ("l4", "miss", None),  # a scan missed it; its removal awaits confirmation
        ("l5", "version", payload("l5", 500)),  # listed while the pipeline watched
    ],
    [],  # nothing changed: the listings still listed were seen again all the same
    [
        ("l4", "removal", None),  # the removal confirmed
        ("l2", "version", payload("l2", 200, status="deleted")),  # the provider shows it deleted
    ],
]


@pytest.fixture(scope="module")
def every_day(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Every day loaded and built incrementally, each build compared with a rebuild from raw. Built
    once per session: under pytest-xdist the first worker to need it builds it in the session's
    shared folder, and the others wait for it (some twenty dbt commands)."""
    if worker_id == "master":
        folder = tmp_path_factory.mktemp("every_day")
    else:
        folder = tmp_path_factory.getbasetemp().parent / "incremental_marts_every_day"
    with FileLock(f"{folder}.lock"):
        done = folder / "done"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            warehouse, work = folder / "warehouse.duckdb", folder / "work"
            raw = RawDataset(warehouse)
            dbt(warehouse, work, "seed")
            for day, rows in enumerate(DAYS):
                raw.load(rows)
                build(warehouse, work)
                incremental = table_fingerprints(warehouse)
                assert incremental == rebuilt_from_raw(warehouse, work), f"day {day + 1}"
            done.touch()
    return folder / "warehouse.duckdb"


@pytest.fixture
def built(every_day: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the warehouse after every day, for a test that changes it."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(every_day, warehouse)
    return warehouse, tmp_path / "work"


def test_each_incremental_build_equals_a_rebuild_from_raw(every_day: Path) -> None:
    warehouse = every_day
    # every case is in the marts: a price back to an earlier value (three periods), a hidden-price
    # toggle that is no period of its own, a removal and a return, and a provider's deletion
    periods = one_row(
        warehouse,
        "select string_agg(cast(cast(list_price as integer) as varchar), ' ' order by valid_from)"
        " from marts.listing_price_history where listing_key = 'estateprime:store-1:l1'",
    )
    assert periods == ("100 90 100",)
    hidden = one_row(
        warehouse,
        "select count(*), bool_or(price_is_hidden) from marts.listing_price_history"
        " where listing_key = 'estateprime:store-1:l2'",
    )
    assert hidden == (1, True)
    events = one_row(
        warehouse,
        "select string_agg(event_type, ' ' order by event_at, event_type) from marts.listing_events"
        " where listing_key = 'estateprime:store-1:l3'",
    )
    assert events == ("already_listed removed back_on_market",)
    statuses = dict(
        duckdb.connect(str(warehouse), read_only=True)
        .execute("select source_listing_id, status from marts.listings")
        .fetchall()
    )
    assert statuses == {"l1": "active", "l2": "removed", "l3": "active", "l4": "removed", "l5": "active"}
    [(photos,)] = (
        duckdb.connect(str(warehouse), read_only=True)
        .execute("select count(*) from marts.listing_photos where listing_key = 'estateprime:store-1:l4'")
        .fetchall()
    )
    assert photos == 0


def test_an_unchanged_day_rebuilds_no_listing_yet_moves_last_seen(tmp_path: Path) -> None:
    """The day's load adds no raw row: no timeline row is rewritten, but the listings still listed
    were seen by it (last_seen_at, days_on_market), and the marts still equal a rebuild."""
    warehouse, work = tmp_path / "warehouse.duckdb", tmp_path / "work"
    raw = RawDataset(warehouse)
    dbt(warehouse, work, "seed")
    raw.load(DAYS[0])
    build(warehouse, work)
    stamps = "select max(rebuilt_at), count(*) from intermediate.int_listing_timeline"
    stamps_before = one_row(warehouse, stamps)
    seen_before = one_row(warehouse, "select max(last_seen_at), max(days_on_market) from marts.listings")
    raw.load([])
    build(warehouse, work)
    assert one_row(warehouse, stamps) == stamps_before
    seen_after = one_row(warehouse, "select max(last_seen_at), max(days_on_market) from marts.listings")
    assert seen_after[0] - seen_before[0] == timedelta(days=1) and seen_after[1] == seen_before[1] + 1
    assert table_fingerprints(warehouse) == rebuilt_from_raw(warehouse, work)


def test_a_crosswalk_correction_applies_to_all_history_without_full_refresh(built: tuple[Path, Path]) -> None:
    """A corrected mapping reaches every listing, old ones too, at the next build: what `dbt build`
    does after `seeds/crosswalk_vocabulary.csv` changed (the seed loaded, then the models)."""
    warehouse, work = built
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update crosswalks.crosswalk_vocabulary set unified_value = 'house'"
            " where provider = 'estateprime' and field = 'property_type' and source_value = 'apartment'"
        )
    build(warehouse, work)
    assert one_row(warehouse, "select string_agg(distinct property_type, ',') from marts.listings") == ("house",)
    assert table_fingerprints(warehouse) == rebuilt_from_raw(warehouse, work)


def test_a_features_crosswalk_correction_applies_without_parsing_payloads_again(built: tuple[Path, Path]) -> None:
    """The features stored by load (int_listing_source_features, incremental) are mapped by a view, so
    a corrected crosswalk_features row reaches every listing at the next build, as a rebuild would."""
    warehouse, work = built
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update crosswalks.crosswalk_features set feature = 'lift'"
            " where provider = 'estateprime' and source_field = 'features' and source_value = 'elevator'"
        )
    build(warehouse, work)
    features = "select string_agg(distinct feature, ',' order by feature) from marts.listing_features"
    assert one_row(warehouse, features) == ("lift,storage",)
    assert table_fingerprints(warehouse) == rebuilt_from_raw(warehouse, work)


def test_a_changed_provider_setting_applies_to_all_history_without_full_refresh(built: tuple[Path, Path]) -> None:
    """A provider setting read by staging (its currency) reads all the source's loads again
    (int_listing_versions' staging revision), and the marts follow."""
    warehouse, work = built
    build(warehouse, work, settings={"currency": "USD"})
    assert one_row(warehouse, "select string_agg(distinct currency, ',') from marts.listing_price_history") == ("USD",)
    assert table_fingerprints(warehouse) == rebuilt_from_raw(warehouse, work, settings={"currency": "USD"})
