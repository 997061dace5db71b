"""The three-day scenario on PostgreSQL (LISTINGS_WAREHOUSE=postgres, a real server): every run and
check passes there, and the marts it publishes equal the sandbox's own truth, as on DuckDB. The
marts are read from the serving file the publish fills from the server; `test_engines_agree.py`
holds them equal to DuckDB's row for row."""

from collections.abc import Iterator

import psycopg2
import pytest

from listings_sandbox.postgres import PostgresServer
from orchestration.settings import serving_path

from .test_marts_scenario import (  # collected here too, reading this module's scenario
    Scenario,
    run_scenario,
    test_a_listing_the_provider_deleted_is_removed_as_of_its_status_date,
    test_current_prices_statuses_and_removals_equal_the_truth,
    test_events_record_each_removal_and_price_change,
    test_every_listing_ever_served_is_in_the_mart_once,
    test_listings_found_by_the_first_load_are_already_listed_and_later_ones_new,
    test_price_history_is_the_sequence_of_daily_prices,
    test_readers_of_the_serving_file_never_fail_nor_see_half_a_build,
    test_runs_record_scan_figures_requests_cursor_and_mart_previews,
)

pytestmark = pytest.mark.slow

__all__ = [
    "test_a_listing_the_provider_deleted_is_removed_as_of_its_status_date",
    "test_current_prices_statuses_and_removals_equal_the_truth",
    "test_events_record_each_removal_and_price_change",
    "test_every_listing_ever_served_is_in_the_mart_once",
    "test_listings_found_by_the_first_load_are_already_listed_and_later_ones_new",
    "test_price_history_is_the_sequence_of_daily_prices",
    "test_readers_of_the_serving_file_never_fail_nor_see_half_a_build",
    "test_runs_record_scan_figures_requests_cursor_and_mart_previews",
]


@pytest.fixture(scope="module")
def postgres_database(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, serving_readers, postgres_server: PostgresServer, postgres_database: str
) -> Iterator[Scenario]:
    folder = tmp_path_factory.mktemp("scenario_on_postgres")
    with pytest.MonkeyPatch.context() as env:
        for name, value in postgres_server.environment(postgres_database).items():
            env.setenv(name, value)
        with run_scenario(folder, serving_readers, marts_from=folder / "serving.duckdb") as days_run:
            assert serving_path() == folder / "serving.duckdb"
            yield days_run


def test_the_warehouse_was_the_server_and_its_serving_schema_holds_the_marts(
    scenario: Scenario, postgres_server: PostgresServer, postgres_database: str
) -> None:
    with psycopg2.connect(postgres_server.url(postgres_database)) as connection, connection.cursor() as cursor:
        cursor.execute("select count(*) from raw_apimo.listings")
        assert cursor.fetchone()[0] > 0
        for schema in ("marts", "serving"):
            cursor.execute(f"select count(*) from {schema}.listings")
            assert cursor.fetchone()[0] == scenario.metadata[-1]["serving/marts"]["rows_listings"]
    assert not (serving_path().parent / "warehouse.duckdb").exists()  # nothing was loaded into a DuckDB file
