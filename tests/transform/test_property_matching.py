"""The same home across sources, measured: a sandbox of about 3,000 listings, four simulated days
through the whole pipeline (Dagster runs: dlt, dbt, publish), then marts.property_listings scored pair
by pair against the sandbox's truth (``home_id``): the US providers list a shared pool of homes, each
in its own format, with near misses beside them (other units of a building, next-door houses), and
re-list departed homes under new ids. The rules themselves are unit-tested beside the models
(models/intermediate/_int_property.yml, models/marts/_property_listings.yml, _properties.yml)."""

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from listings_sandbox import Sandbox
from listings_sandbox.demo import NIGHTLY, demo_sandbox_config
from listings_sandbox.homes import match_quality
from orchestration.definitions import defs
from orchestration.settings import MIRROR_PHOTOS_ENV, warehouse_path

pytestmark = pytest.mark.slow  # minutes: started first under pytest-xdist (tests/conftest.py)

DAYS = 4
SEED = 17
LISTINGS = 3000
ListingId = tuple[str, str, str]  # source, account, source listing id


@dataclass
class Matched:
    warehouse: Path
    homes: dict[ListingId, str]  # every listing the sandbox created -> its real-world home (the truth)
    relisted: set[ListingId]  # listings that re-list a departed home of their own source

    def mart(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def properties(self) -> dict[ListingId, str]:
        return {
            (source, account, listing_id): key
            for source, account, listing_id, key in self.mart("""
                select listings.source, listings.account_id, listings.source_listing_id, property_listings.property_key
                from marts.property_listings
                inner join marts.listings using (listing_key)
            """)
        }


@pytest.fixture(scope="module")
def matched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matched]:
    folder = tmp_path_factory.mktemp("properties")
    config = dataclasses.replace(demo_sandbox_config(SEED), total_listings=LISTINGS)
    with pytest.MonkeyPatch.context() as env, Sandbox(config) as sandbox:
        env.setenv("LISTINGS_DATA_DIR", str(folder))
        env.setenv("LISTINGS_PARQUET_DIR", str(folder / "parquet"))
        env.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
        env.setenv(MIRROR_PHOTOS_ENV, "none")  # photo copies are beside the point, and paced: minutes
        for name, value in {**sandbox.dlt_environment(), **NIGHTLY}.items():
            env.setenv(name, value)
        job = defs().resolve_implicit_global_asset_job_def()
        with dg.DagsterInstance.ephemeral() as instance:
            for day in range(DAYS):
                if day:
                    sandbox.advance_day()
                assert job.execute_in_process(instance=instance).success
        homes, relisted = {}, set()
        for host, app in sandbox.apps.items():
            for record in sandbox.truth(host):
                homes[(host, record["account_id"], record["source_listing_id"])] = record["home_id"]
            world = getattr(app, "world", None)  # the hosts of one world each: the US ones re-list
            for idx in range(world.size if world is not None and world.relist_percent else 0):
                if world.relisted_from(idx) is not None:
                    relisted.add((host, world.account_id, world.generator.listing_id(idx)))
        yield Matched(warehouse_path(), homes, relisted)


def test_matching_finds_the_same_home_across_sources_with_precision_and_recall_of_at_least_98_percent(
    matched: Matched,
) -> None:
    quality = match_quality(matched.homes, matched.properties())
    print(f"property matching against the sandbox truth (seed {SEED}, {LISTINGS} listings, {DAYS} days): {quality}")
    assert quality.listings > 0.9 * LISTINGS
    assert quality.true_pairs > 100  # the pool and the re-listings make pairs to find
    assert quality.precision >= 0.98 and quality.recall >= 0.98


def test_re_listings_loaded_join_their_earlier_listing(matched: Matched) -> None:
    properties = matched.properties()
    relisted = [key for key in matched.relisted if key in properties]
    assert relisted
    for key in relisted:
        earlier = [
            other
            for other, home in matched.homes.items()
            if home == matched.homes[key] and other[0] == key[0] and other != key and other in properties
        ]
        assert earlier and all(properties[other] == properties[key] for other in earlier)


def test_every_rule_is_used_and_confidences_are_between_0_and_1(matched: Matched) -> None:
    rules = dict(matched.mart("select match_rule, count(*) from marts.property_listings group by match_rule"))
    assert set(rules) == {"mls_number", "address_location", "unique"}
    low, high = matched.mart("select min(match_confidence), max(match_confidence) from marts.property_listings")[0]
    assert 0 <= low <= high <= 1


def test_a_property_never_spans_two_countries_and_counts_its_listings(matched: Matched) -> None:
    assert not matched.mart("""
        select property_key from marts.property_listings group by property_key having count(distinct country_code) > 1
    """)
    mismatched = matched.mart("""
        select properties.property_key
        from marts.properties
        inner join marts.property_listings using (property_key)
        group by properties.property_key, properties.listing_count, properties.source_count
        having count(*) <> properties.listing_count
            or count(distinct property_listings.source) <> properties.source_count
    """)
    assert not mismatched
    shared = matched.mart("select count(*) from marts.properties where source_count >= 2")[0][0]
    assert shared > 20


def test_properties_carry_no_price(matched: Matched) -> None:
    sql = "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'properties'"
    columns = [name for (name,) in matched.mart(sql)]
    assert columns and not [name for name in columns if "price" in name or "currency" in name]
