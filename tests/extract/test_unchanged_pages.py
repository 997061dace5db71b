"""A page whose listings are all unchanged costs no arrow table, no drift walk and no rows: only
stored versions are walked for schema drift. Stored versions reach dlt in tables of at least
``rows_per_table`` rows (the rest when the scan ends), not one per page."""

from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pytest

from dlt_sources.common import scan
from orchestration.defs.ingest.pipelines import keep_dlt_telemetry_off

PAGES = [
    [{"id": str(n), "price": 100.5 + n, "updated_at": "2026-11-23T10:00:00Z", "geo": {"lat": 1e-5}} for n in page]
    for page in (range(0, 3), range(3, 6))
]


def scan_pages(
    pipeline: dlt.Pipeline, pages: list[list[dict[str, Any]]], rows_per_table: int = 1
) -> list[list[pa.Table]]:
    """Run one full scan of ``pages``; what ``add_page`` returned for each, then what ``finish`` did."""
    returned: list[list[pa.Table]] = []

    @dlt.resource(name="listings", write_disposition="append")  # as the sources declare it
    def listings():
        account = scan.AccountScan(
            "test", "default", full=True, volatile_fields=("days_on_market",), rows_per_table=rows_per_table
        )
        for page in pages:
            returned.append(account.add_page(page))
            yield from returned[-1]
        returned.append(account.finish())
        yield from returned[-1]

    pipeline.run(listings()).raise_on_failed_jobs()
    return returned


@pytest.fixture
def pipeline(tmp_path: Path) -> dlt.Pipeline:
    keep_dlt_telemetry_off()
    return dlt.pipeline(
        pipeline_name="unchanged",
        destination=dlt.destinations.duckdb(str(tmp_path / "unchanged.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


def test_an_unchanged_page_yields_no_table_and_walks_no_record(
    pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked: list[dict[str, Any]] = []
    walk = scan.FieldTypes.add

    def add(self: scan.FieldTypes, record: dict[str, Any], *args: Any) -> None:
        if not args:  # a record, not one of its nested objects
            walked.append(record)
        walk(self, record, *args)

    monkeypatch.setattr(scan.FieldTypes, "add", add)
    first = scan_pages(pipeline, PAGES)
    assert [sum(table.num_rows for table in tables) for tables in first] == [3, 3, 0]
    assert len(walked) == 6
    walked.clear()
    again = [[{**record, "days_on_market": 9} for record in page] for page in PAGES]  # only a volatile field moved
    again[1][2] = {**again[1][2], "price": 999}
    unchanged_page, changed_page, _ = scan_pages(pipeline, again)
    assert unchanged_page == []  # not even an empty table
    assert [table.num_rows for table in changed_page] == [1]
    assert [record["id"] for record in walked] == ["5"]  # the stored version only
    with pipeline.sql_client() as client:
        assert client.execute_sql("select count(*) from listings")[0][0] == 7


def test_versions_reach_dlt_in_tables_of_rows_per_table_rows_and_the_rest_at_the_end(pipeline: dlt.Pipeline) -> None:
    pages = [[{"id": f"{page}-{n}", "price": n} for n in range(3)] for page in range(5)]
    returned = scan_pages(pipeline, pages, rows_per_table=4)
    # 3 rows after the first page, 6 after the second: a table of 6; then 3, 6: a table; 3 left at the end
    assert [[table.num_rows for table in tables] for tables in returned] == [[], [6], [], [6], [], [3]]
    with pipeline.sql_client() as client:
        stored = client.execute_sql("select source_listing_id from listings order by source_listing_id")
    assert [row[0] for row in stored] == sorted(record["id"] for page in pages for record in page)


def test_records_kept_aside_count_towards_a_table_and_are_handed_over_with_it(pipeline: dlt.Pipeline) -> None:
    pages = [[{"price": page}, {"id": str(page), "price": page}] for page in range(3)]
    returned = scan_pages(pipeline, pages, rows_per_table=4)

    def rows(item: Any) -> int:  # the kept-aside table comes wrapped with its own table's hints
        return getattr(item, "data", item).num_rows

    # a version and a record without an id a page: 2, then 4 (two tables of 2), 2 more left at the end
    assert [[rows(item) for item in items] for items in returned] == [[], [2, 2], [], [1, 1]]
    with pipeline.sql_client() as client:
        assert client.execute_sql("select count(*) from listings_quarantine")[0][0] == 3
