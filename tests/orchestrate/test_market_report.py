"""The market report: its numbers equal SQL on the marts written here, independently of the asset's
queries (on a demo's warehouse, and on hand-made marts whose numbers are worked out by hand across
weeks), and its page opens in a headless Chromium with its charts and every number."""

import base64
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import psycopg2
import pytest
from PIL import Image

from listings_sandbox.postgres import PostgresServer
from orchestration.defs.report import market_report
from orchestration.defs.report.assets import METRICS_KEY, PRICES_CSV, REPORT_KEY, WEEKLY_CSV
from orchestration.warehouse.resource import Warehouse

LISTINGS = Path(sys.executable).parent / "listings"
# How the page writes each number (the tables' columns, left to right)
WEEKLY_NUMBERS = {"active_inventory": 0, "new_listings": 0, "price_cuts": 0, "median_days_on_market": 1}
STATUS_EVENTS = "('status_change', 'removed', 'back_on_market')"
WEEKLY_KEYS = ["week_start", "country_code", "city"]
PRICE_KEYS = [*WEEKLY_KEYS, "listing_type", "currency"]


# ---- a demo's warehouse, and the report its `listings run`s built ------------------------------------
@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A two-day demo's data folder (each day's `listings run` builds the report after the publish)
    and what the demo printed."""
    folder = tmp_path_factory.mktemp("demo")
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LISTINGS_")}
    completed = subprocess.run(
        [str(LISTINGS), "demo", "--days", "2", "--data-dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=900,
        env=environment,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    yield folder, completed.stdout


def independent_metrics(warehouse: Path, week_starts: list[date]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The report's numbers by SQL written for the test: a listing's status at a week's end is its
    latest status event before then (else the status its first one left, else its current one); its
    price there is the latest price period started before then; a cut is a period below the one that
    ended when it began."""
    weeks = ", ".join(f"(date '{week}')" for week in week_starts)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        connection.execute("set TimeZone = 'UTC'")
        connection.execute(f"""
            create temp table weeks as
            select week_start, cast(week_start as timestamptz) as starts_at,
                   cast(week_start as timestamptz) + interval 7 day as ends_at,
                   least(week_start + 6, (select cast(max(seen) as date) from (
                       select max(last_seen_at) as seen from marts.listings
                       union all select max(event_at) from marts.listing_events))) as reference_date
            from (values {weeks}) as given (week_start)
        """)
        connection.execute(f"""
            create temp table states as
            select weeks.week_start, weeks.ends_at, weeks.reference_date, listings.*,
                   coalesce(
                       (select events.new_value from marts.listing_events as events
                        where events.listing_key = listings.listing_key and events.event_type in {STATUS_EVENTS}
                          and events.event_at < weeks.ends_at
                        order by events.event_at desc, events.event_type desc, events.new_value desc limit 1),
                       (select events.old_value from marts.listing_events as events
                        where events.listing_key = listings.listing_key and events.event_type in {STATUS_EVENTS}
                        order by events.event_at, events.event_type, events.new_value limit 1),
                       listings.status
                   ) as status_at_end,
                   coalesce(listings.city, '(no city)') as place_city,
                   coalesce(listings.country_code, '') as place_country
            from marts.listings cross join weeks
            where listings.first_seen_at < weeks.ends_at
        """)
        weekly = connection.execute("""
            with grid as (select distinct week_start, place_country, place_city from states),
            active as (
                select week_start, place_country, place_city, count(*) as active_inventory,
                       median(greatest(reference_date
                           - cast(timezone('UTC', coalesce(source_created_at, first_seen_at)) as date), 0))
                           as median_days_on_market
                from states where status_at_end = 'active' group by all
            ),
            new as (
                select weeks.week_start, coalesce(l.country_code, '') as place_country,
                       coalesce(l.city, '(no city)') as place_city, count(*) as new_listings
                from marts.listing_events as e join marts.listings as l using (listing_key)
                join weeks on e.event_at >= weeks.starts_at and e.event_at < weeks.ends_at
                where e.event_type = 'new_listing' group by all
            ),
            cuts as (
                select weeks.week_start, coalesce(l.country_code, '') as place_country,
                       coalesce(l.city, '(no city)') as place_city, count(*) as price_cuts
                from marts.listing_price_history as cut
                join marts.listing_price_history as before
                    on before.listing_key = cut.listing_key and before.valid_to = cut.valid_from
                join marts.listings as l on l.listing_key = cut.listing_key
                join weeks on cut.valid_from >= weeks.starts_at and cut.valid_from < weeks.ends_at
                where cut.list_price < before.list_price and cut.currency = before.currency
                  and cut.price_period is not distinct from before.price_period
                group by all
            )
            select grid.week_start, grid.place_country as country_code, grid.place_city as city,
                   coalesce(active_inventory, 0) as active_inventory, coalesce(new_listings, 0) as new_listings,
                   coalesce(price_cuts, 0) as price_cuts, median_days_on_market
            from grid
            left join active using (week_start, place_country, place_city)
            left join new using (week_start, place_country, place_city)
            left join cuts using (week_start, place_country, place_city)
        """).df()
        # a listing first seen after the report's last week has no row in it: the grid is every city
        cities = connection.execute(
            "select distinct coalesce(country_code, '') as country_code, coalesce(city, '(no city)') as city "
            "from marts.listings"
        ).df()
        prices = connection.execute("""
            select states.week_start, place_country as country_code, place_city as city, listing_type,
                   period.currency, count(*) as priced_listings,
                   median(period.list_price * case when listing_type = 'sale' then 1 else
                       case period.price_period when 'month' then 1 when 'year' then 1 / 12
                       when 'week' then 52 / 12 when 'day' then 365 / 12 end end
                       / living_area_sqm) as median_price_per_sqm
            from states
            join lateral (
                select * from marts.listing_price_history as history
                where history.listing_key = states.listing_key and history.valid_from < states.ends_at
                order by history.valid_from desc limit 1
            ) as period on true
            where status_at_end = 'active' and listing_type in ('sale', 'rent') and living_area_sqm > 0
              and period.list_price > 0 and period.currency is not null
              and (listing_type = 'sale' or period.price_period in ('month', 'year', 'week', 'day'))
            group by all
        """).df()
    for frame in (weekly, prices):
        frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    grid = cities.merge(pd.DataFrame({"week_start": week_starts}), how="cross")
    weekly = grid.merge(weekly, how="left", on=WEEKLY_KEYS)
    weekly[["active_inventory", "new_listings", "price_cuts"]] = (
        weekly[["active_inventory", "new_listings", "price_cuts"]].fillna(0).astype(int)
    )
    return weekly, prices


def report_frames(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    weekly = pd.read_csv(folder / WEEKLY_CSV, keep_default_na=False, na_values=[""])
    prices = pd.read_csv(folder / PRICES_CSV, keep_default_na=False, na_values=[""])
    for frame in (weekly, prices):
        frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
        frame["country_code"] = frame["country_code"].astype(str)
    return weekly, prices


def assert_same_numbers(reported: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """Row for row (the same keys both sides), counts equal and medians equal to 1e-9."""
    merged = reported.merge(expected, on=keys, how="outer", suffixes=("_report", "_sql"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][keys + ["_merge"]]
    for column in [column for column in expected.columns if column not in keys]:
        got, want = merged[f"{column}_report"], merged[f"{column}_sql"]
        assert (got.isna() == want.isna()).all(), merged[got.isna() != want.isna()]
        pairs = merged[want.notna()]
        assert pairs[f"{column}_report"].astype(float).tolist() == pytest.approx(
            pairs[f"{column}_sql"].astype(float).tolist(), rel=1e-9
        ), column


@pytest.mark.slow
def test_the_demo_builds_the_report_after_each_publish_and_names_it(demo_folder: tuple[Path, str]) -> None:
    folder, printed = demo_folder
    page = folder / "report" / "market_report.html"
    assert f"market report: {page}" in printed
    assert page.stat().st_size > 50_000
    names = {path.name for path in (folder / "report").iterdir()}
    assert {WEEKLY_CSV, PRICES_CSV, "price_per_sqm_sale.png", "median_days_on_market.png"} <= names
    assert not [name for name in names if name.startswith(".")]  # no temporary file left


@pytest.mark.slow
def test_every_number_of_the_report_equals_sql_on_the_marts(demo_folder: tuple[Path, str]) -> None:
    folder, _ = demo_folder
    weekly, prices = report_frames(folder / "report")
    expected_weekly, expected_prices = independent_metrics(folder / "warehouse.duckdb", sorted(set(weekly.week_start)))
    assert len(weekly) >= 20 and weekly["active_inventory"].sum() > 500 and weekly["new_listings"].sum() > 0
    assert weekly["price_cuts"].sum() > 0 and set(prices["listing_type"]) == {"sale", "rent"}
    assert set(prices["currency"]) == {"EUR", "USD"}
    assert_same_numbers(weekly, expected_weekly, WEEKLY_KEYS)
    assert_same_numbers(prices, expected_prices, PRICE_KEYS)
    # and the latest week's active inventory is what marts.listings shows available now
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as connection:
        available = connection.execute("select count(*) from marts.listings where is_available").fetchone()[0]
    assert weekly[weekly.week_start == weekly.week_start.max()]["active_inventory"].sum() == available


# ---- the page in a headless browser --------------------------------------------------------------------
class PageParser(HTMLParser):
    """The images' sources and each table's cells, by table id, from a DOM as Chromium dumps it."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes.get("src") or "")
        elif tag == "table":
            self._table = attributes.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None


def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("no chromium to open the report's page, and not root to install it: apt-get install chromium")
    pytest.fail("chromium is missing: `make browser` installs Debian's package (make test and fast-tests do)")


def headless(*arguments: str) -> subprocess.CompletedProcess:
    command = [chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed


def written(value: object, decimals: int) -> str:
    return "" if pd.isna(value) else f"{float(value):,.{decimals}f}"


@pytest.mark.slow
def test_the_page_opens_in_a_headless_browser_with_its_charts_and_every_number(
    demo_folder: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = demo_folder
    page = folder / "report" / "market_report.html"
    dom = PageParser()
    dom.feed(headless("--dump-dom", page.as_uri()).stdout)
    # the charts: one PNG per metric (sales and rents apart), inline, each a real chart
    assert len(dom.images) == 6
    for source in dom.images:
        assert source.startswith("data:image/png;base64,")
        png = base64.b64decode(source.removeprefix("data:image/png;base64,"), validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
        with Image.open(io.BytesIO(png)) as image:
            assert image.width >= 1000 and image.height >= 400
    # the tables: every city and week of the SQL, written as the page writes numbers
    weekly, prices = report_frames(folder / "report")
    expected_weekly, expected_prices = independent_metrics(folder / "warehouse.duckdb", sorted(set(weekly.week_start)))
    labels = {week: f"{week.isocalendar()[0]}-W{week.isocalendar()[1]:02d}" for week in set(weekly.week_start)}
    header, *rows = dom.tables["weekly-metrics"]
    assert header[:3] == ["ISO week", "Country", "City"] and len(rows) == len(expected_weekly)
    want = {
        (labels[row.week_start], row.country_code, row.city): [
            written(getattr(row, column), decimals) for column, decimals in WEEKLY_NUMBERS.items()
        ]
        for row in expected_weekly.itertuples()
    }
    assert {tuple(row[:3]): row[3:] for row in rows} == want
    header, *rows = dom.tables["price-per-sqm"]
    assert len(rows) == len(expected_prices)
    want = {
        (labels[row.week_start], row.country_code, row.city, row.listing_type, row.currency): [
            written(row.priced_listings, 0),
            written(row.median_price_per_sqm, 2),
        ]
        for row in expected_prices.itertuples()
    }
    assert {tuple(row[:5]): row[5:] for row in rows} == want
    # what a reader sees: a screenshot of the page is a picture, not a blank page
    screenshot = tmp_path / "page.png"
    headless(f"--screenshot={screenshot}", "--window-size=1300,2400", page.as_uri())
    with Image.open(screenshot) as image:
        assert image.size == (1300, 2400)
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 50
    # self-contained: nothing fetched from elsewhere
    text = page.read_text()
    assert "http://" not in text and "https://" not in text and "<script" not in text


@pytest.mark.slow
def test_listings_report_redraws_the_report_without_a_load(demo_folder: tuple[Path, str]) -> None:
    folder, _ = demo_folder
    page = folder / "report" / "market_report.html"
    page.unlink()
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as connection:
        loads = connection.execute("select count(*) from raw_apimo._dlt_loads").fetchone()[0]
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LISTINGS_")}
    completed = subprocess.run(
        [str(LISTINGS), "report"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**environment, "LISTINGS_DATA_DIR": str(folder), "DAGSTER_HOME": str(folder / "dagster")},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert f"market report: {page}" in completed.stdout and page.exists()
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute("select count(*) from raw_apimo._dlt_loads").fetchone()[0] == loads


def test_a_run_whose_report_fails_still_publishes_and_ends_partial_naming_it(
    demo_folder: tuple[Path, str], tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(demo_folder[0], folder)
    shutil.rmtree(folder / "report")
    (folder / "report").write_text("a file where the report's folder goes")  # the report cannot be written
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LISTINGS_")}
    completed = subprocess.run(
        [str(LISTINGS), "run", "--marts-only"],
        capture_output=True,
        text=True,
        timeout=600,
        # the demo's sandbox is gone: nothing to mirror photos from
        env={
            **environment,
            "LISTINGS_DATA_DIR": str(folder),
            "DAGSTER_HOME": str(folder / "dagster"),
            "LISTINGS_MIRROR_PHOTOS": "none",
        },
    )
    assert completed.returncode == 3, completed.stdout[-3000:] + completed.stderr[-3000:]
    lines = completed.stdout.strip().splitlines()
    assert any(line.startswith("  market report FAILED: ") for line in lines), lines
    assert lines[-1].startswith("listings run: PARTIAL (exit 3): the marts were published; the market report failed")
    assert (folder / "serving.duckdb").stat().st_mtime > (demo_folder[0] / "serving.duckdb").stat().st_mtime


def test_listings_report_before_any_load_says_what_to_run(tmp_path: Path) -> None:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LISTINGS_")}
    completed = subprocess.run(
        [str(LISTINGS), "report"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environment, "LISTINGS_DATA_DIR": str(tmp_path)},
    )
    assert completed.returncode == 1
    assert "no warehouse" in completed.stderr and "listings run" in completed.stderr


# ---- hand-made marts over three weeks, the numbers worked out by hand -----------------------------------
HAND_MADE = """
create schema marts;
set TimeZone = 'UTC';
create table marts.listings as
select listing_key, listing_type, status, country_code, city, living_area_sqm,
       cast(source_created_at as timestamptz) as source_created_at,
       cast(first_seen_at as timestamptz) as first_seen_at, cast(last_seen_at as timestamptz) as last_seen_at
from (values
    ('a', 'sale', 'active', 'FR', 'Paris', 50.0, '2026-11-01 00:00', '2026-11-16 08:00', '2026-12-02 10:00'),
    ('b', 'sale', 'removed', 'FR', 'Paris', 100.0, null, '2026-11-16 08:00', '2026-11-30 08:00'),
    ('c', 'rent', 'active', 'FR', 'Paris', 40.0, '2026-11-17 00:00', '2026-11-17 08:00', '2026-12-02 10:00'),
    ('d', 'sale', 'active', 'FR', 'Lyon', 80.0, null, '2026-11-24 08:00', '2026-12-02 10:00'),
    ('e', 'sale', 'active', 'US', 'Austin', 100.0, '2026-10-02 00:00', '2026-11-16 08:00', '2026-12-02 10:00'),
    ('f', 'short_term_rent', 'active', 'FR', null, 30.0, '2026-11-29 00:00', '2026-11-30 08:00', '2026-12-02 10:00')
) as rows (listing_key, listing_type, status, country_code, city, living_area_sqm, source_created_at, first_seen_at,
           last_seen_at);
create table marts.listing_events as select * from (values
    ('a', 'already_listed', timestamptz '2026-11-16 08:00+00', null, '500000.00'),
    ('a', 'price_change', timestamptz '2026-11-24 08:00+00', '500000.00', '450000.00'),
    ('b', 'already_listed', timestamptz '2026-11-16 08:00+00', null, '800000.00'),
    ('b', 'status_change', timestamptz '2026-11-18 08:00+00', 'active', 'pending'),
    ('b', 'status_change', timestamptz '2026-11-25 08:00+00', 'pending', 'active'),
    ('b', 'removed', timestamptz '2026-12-01 08:00+00', 'active', 'removed'),
    ('c', 'new_listing', timestamptz '2026-11-17 08:00+00', null, '1000.00'),
    ('c', 'price_change', timestamptz '2026-11-26 08:00+00', '1000.00', '250.00'),
    ('d', 'new_listing', timestamptz '2026-11-24 08:00+00', null, '300000.00'),
    ('d', 'price_change', timestamptz '2026-12-01 08:00+00', '300000.00', '280000.00'),
    ('e', 'already_listed', timestamptz '2026-11-16 08:00+00', null, '400000.00'),
    ('e', 'price_change', timestamptz '2026-12-01 08:00+00', '400000.00', '350000.00'),
    ('f', 'new_listing', timestamptz '2026-11-30 08:00+00', null, '2000.00')
) as rows (listing_key, event_type, event_at, old_value, new_value);
create table marts.listing_price_history as
select listing_key, cast(list_price as decimal(18, 2)) as list_price, currency, price_period, price_is_hidden,
       valid_from, valid_to, valid_to is null as is_current,
       cast(previous_price as decimal(18, 2)) as previous_price,
       cast(list_price - previous_price as decimal(19, 2)) as price_change
from (values
    ('a', 500000, 'EUR', null, false, timestamptz '2026-11-16 08:00+00', timestamptz '2026-11-24 08:00+00', null),
    ('a', 450000, 'EUR', null, false, timestamptz '2026-11-24 08:00+00', null, 500000),
    ('b', 800000, 'EUR', null, false, timestamptz '2026-11-16 08:00+00', null, null),
    ('c', 1000, 'EUR', 'month', false, timestamptz '2026-11-17 08:00+00', timestamptz '2026-11-26 08:00+00', null),
    ('c', 250, 'EUR', 'week', false, timestamptz '2026-11-26 08:00+00', null, 1000),
    ('d', 300000, 'EUR', null, false, timestamptz '2026-11-24 08:00+00', timestamptz '2026-12-01 08:00+00', null),
    ('d', 280000, 'EUR', null, true, timestamptz '2026-12-01 08:00+00', null, 300000),
    ('e', 400000, 'USD', null, false, timestamptz '2026-11-16 08:00+00', timestamptz '2026-12-01 08:00+00', null),
    ('e', 350000, 'EUR', null, false, timestamptz '2026-12-01 08:00+00', null, 400000),
    ('f', 2000, 'EUR', null, false, timestamptz '2026-11-30 08:00+00', null, null)
) as rows (listing_key, list_price, currency, price_period, price_is_hidden, valid_from, valid_to, previous_price);
"""
W1, W2, W3 = date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)


@pytest.fixture
def hand_made_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hand-made marts (b pending in week 1, back in week 2, removed in week 3; c's rent quoted
    per week from week 2; d's cut hidden; e's price moved from USD to EUR) in a warehouse the
    report's assets read; the report folder they write."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(HAND_MADE)
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    monkeypatch.delenv("LISTINGS_SERVING_PATH", raising=False)
    return tmp_path


def materialise_report() -> dg.ExecuteInProcessResult:
    result = dg.materialize([market_report], resources={"warehouse": Warehouse.from_settings()})
    assert result.success
    return result


def test_the_numbers_follow_each_listing_through_the_weeks(hand_made_report: Path) -> None:
    result = materialise_report()
    weekly, prices = report_frames(hand_made_report / "report")
    weekly = weekly.set_index(["city", "week_start"])
    assert weekly.loc[("Paris", W1), "active_inventory"] == 2  # a and c; b is pending
    assert weekly.loc[("Paris", W2), "active_inventory"] == 3  # b back on the market
    assert weekly.loc[("Paris", W3), "active_inventory"] == 2  # b removed
    assert weekly.xs("Lyon")["active_inventory"].tolist() == [0, 1, 1]  # d first seen in week 2
    assert weekly.loc[("(no city)", W3), "active_inventory"] == 1  # f kept, under (no city)
    # new listings: c, d and f; a, b and e were found already listed by the first load
    assert weekly["new_listings"].sum() == 3
    assert weekly.loc[("Paris", W1), "new_listings"] == weekly.loc[("Lyon", W2), "new_listings"] == 1
    # cuts: a's in week 2 and d's (hidden) in week 3; c's move to a weekly rent and e's to EUR are none
    assert weekly["price_cuts"].sum() == 2
    assert weekly.loc[("Paris", W2), "price_cuts"] == weekly.loc[("Lyon", W3), "price_cuts"] == 1
    # days on market to Sunday (22 and 29 Nov), then to the latest load's day (2 Dec)
    assert weekly.loc[("Paris", W1), "median_days_on_market"] == 13  # a 21, c 5
    assert weekly.loc[("Paris", W2), "median_days_on_market"] == 13  # a 28, b 13 (from first seen), c 12
    assert weekly.loc[("Paris", W3), "median_days_on_market"] == 23  # a 31, c 15
    assert weekly.xs("Austin")["median_days_on_market"].tolist() == [51, 58, 61]
    assert pd.isna(weekly.loc[("Lyon", W1), "median_days_on_market"])
    medians = prices.set_index(["city", "week_start", "listing_type", "currency"])["median_price_per_sqm"]
    assert medians[("Paris", W1, "sale", "EUR")] == 10_000
    assert medians[("Paris", W2, "sale", "EUR")] == 8_500  # a 9,000 after its cut, b 8,000
    assert medians[("Paris", W1, "rent", "EUR")] == 25  # 1,000 a month over 40 m²
    assert medians[("Paris", W2, "rent", "EUR")] == pytest.approx(250 * 52 / 12 / 40)  # 250 a week
    assert medians[("Lyon", W3, "sale", "EUR")] == 3_500  # the hidden price counts
    assert medians[("Austin", W2, "sale", "USD")] == 4_000
    assert medians[("Austin", W3, "sale", "EUR")] == 3_500  # never mixed with the USD weeks
    assert ("Austin", W3, "sale", "USD") not in medians.index
    assert not (prices["listing_type"] == "short_term_rent").any()
    # the independent SQL agrees on every number here too
    expected_weekly, expected_prices = independent_metrics(hand_made_report / "warehouse.duckdb", [W1, W2, W3])
    assert_same_numbers(
        report_frames(hand_made_report / "report")[0], expected_weekly, ["week_start", "country_code", "city"]
    )
    assert_same_numbers(report_frames(hand_made_report / "report")[1], expected_prices, PRICE_KEYS)
    # the charts have a trend now: in the UI's metadata, and in the page
    [metrics_event, report_event] = sorted(
        result.get_asset_materialization_events(), key=lambda e: e.asset_key != METRICS_KEY
    )
    assert report_event.asset_key == REPORT_KEY
    assert metrics_event.materialization.metadata["weeks"].value == ["2026-W47", "2026-W48", "2026-W49"]
    chart = report_event.materialization.metadata["chart_active_inventory"].value
    assert chart.startswith("**Active inventory**") and "](data:image/png;base64," in chart
    assert report_event.materialization.metadata["report_path"].value == str(
        hand_made_report / "report" / "market_report.html"
    )


def test_a_masked_serving_file_leaves_hidden_prices_out_of_the_medians(
    hand_made_report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A median of one listing would show the price the serving file masks."""
    monkeypatch.setenv("LISTINGS_SERVING_HIDDEN_PRICES", "mask")
    materialise_report()
    _, prices = report_frames(hand_made_report / "report")
    lyon = prices[prices["city"] == "Lyon"].set_index("week_start")["median_price_per_sqm"]
    assert lyon.to_dict() == {W2: 3_750}  # week 3's hidden 280,000 is left out


def test_a_postgresql_warehouse_gives_the_same_report(
    hand_made_report: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer
) -> None:
    """The report's SQL is plain SQL both engines run: the hand-made marts in a PostgreSQL warehouse
    give the numbers they give in DuckDB."""
    materialise_report()
    in_duckdb = report_frames(hand_made_report / "report")
    database = postgres_server.create_database()
    with psycopg2.connect(postgres_server.url(database)) as connection, connection.cursor() as cursor:
        cursor.execute(HAND_MADE)
    for name, value in postgres_server.environment(database).items():
        monkeypatch.setenv(name, value)
    (hand_made_report / "warehouse.duckdb").unlink()  # nothing to read there: the server is the warehouse
    materialise_report()
    in_postgres = report_frames(hand_made_report / "report")
    assert_same_numbers(in_postgres[0], in_duckdb[0].drop(columns="iso_week"), WEEKLY_KEYS)
    assert_same_numbers(in_postgres[1], in_duckdb[1].drop(columns="iso_week"), PRICE_KEYS)
    assert len(in_postgres[0]) == 12 and len(in_postgres[1]) == 11  # 4 cities x 3 weeks; the 11 medians above
