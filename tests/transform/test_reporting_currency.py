"""Prices in the reporting currency: every price period's list_price_reporting is its list_price at
the FX table's rate of the period's start date, computed here independently from
``dbt_project/seeds/fx_rates.csv``; a changed FX table or reporting currency reaches all history at
the next incremental build; and the serving file masks a hidden price's reporting amount with it.

The as-of choice itself (the latest rate on or before the date, none before the first, none for a
currency the table lacks, 1 for the reporting currency) is unit-tested in dbt
(models/marts/_listing_price_history.yml, models/intermediate/_int_fx_rates.yml).
"""

import csv
import json
import os
import shutil
import subprocess
import sys
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from listings_sandbox import Sandbox, SandboxConfig
from orchestration.registry import by_name, dbt_vars
from orchestration.settings import DBT_PROJECT_DIR, REPORTING_CURRENCY_ENV, reporting_currency
from orchestration.warehouse.publish import mart_query

from .dbt_runner import dbt as run_dbt
from .sandbox_loads import load_sandbox_days
from .test_incremental_marts import DAYS, SOURCE, RawDataset, one_row

pytestmark = pytest.mark.slow  # dbt builds: started first under pytest-xdist

REPO = DBT_PROJECT_DIR.parent
FX_RATES_CSV = DBT_PROJECT_DIR / "seeds" / "fx_rates.csv"
CENT = Decimal("0.01")
RATE_DECIMALS = Decimal("1e-12")  # int_fx_rates' rounding of a cross rate

Rates = dict[str, tuple[list[date], list[Decimal]]]  # currency -> its rate dates and rates, in date order


def rates_into(reporting: str, table: Path = FX_RATES_CSV) -> Rates:
    """Units of ``reporting`` per unit of each other currency, by rate date: the FX table's rates
    against its base, crossed through the base on each date that quotes both."""
    units_per_base: dict[tuple[date, str], dict[str, Decimal]] = defaultdict(dict)
    with table.open(newline="") as rows:
        for row in csv.DictReader(rows):
            quotes = units_per_base[(date.fromisoformat(row["rate_date"]), row["base_currency"])]
            quotes[row["base_currency"]] = Decimal(1)
            quotes[row["quote_currency"]] = Decimal(row["rate"])
    by_currency: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for (rate_date, _base), quotes in sorted(units_per_base.items()):
        if reporting in quotes:
            for currency, units in quotes.items():
                if currency != reporting:
                    rate = (quotes[reporting] / units).quantize(RATE_DECIMALS, ROUND_HALF_UP)
                    by_currency[currency].append((rate_date, rate))
    return {currency: ([d for d, _ in dated], [r for _, r in dated]) for currency, dated in by_currency.items()}


def expected_reporting_price(rates: Rates, reporting: str, price: Decimal | None, currency: str, on: date):
    """``price`` in ``reporting`` at the latest rate dated on or before ``on``; None without one."""
    if price is None:
        return None
    if currency == reporting:
        return price
    dates, values = rates.get(currency, ([], []))
    latest = bisect_right(dates, on) - 1
    if latest < 0:
        return None
    return (price * values[latest]).quantize(CENT, ROUND_HALF_UP)


def wrong_reporting_prices(warehouse: Path, reporting: str, rates: Rates) -> list[tuple]:
    """The price periods whose reporting price or currency is not the one computed here."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        periods = con.execute(
            "select listing_key, valid_from, currency, list_price, reporting_currency, list_price_reporting"
            " from marts.listing_price_history"
        ).fetchall()
    assert periods
    return [
        period
        for period in periods
        if period[4:]
        != (
            reporting,
            expected_reporting_price(rates, reporting, period[3], period[2], period[1].astimezone(UTC).date()),
        )
    ]


def test_the_as_of_reading_of_the_table_here_takes_no_later_rate() -> None:
    """The reference computation itself: Saturday 2026-03-07 takes Friday's rate, not Monday's."""
    rates = rates_into("EUR")
    dates, values = rates["USD"]
    friday = values[dates.index(date(2026, 3, 6))]
    assert expected_reporting_price(rates, "EUR", Decimal(100), "USD", date(2026, 3, 7)) == (100 * friday).quantize(
        CENT
    )
    assert expected_reporting_price(rates, "EUR", Decimal(100), "USD", date(2024, 1, 1)) is None
    assert expected_reporting_price(rates, "EUR", Decimal(100), "JPY", date(2026, 3, 7)) is None
    assert expected_reporting_price(rates, "EUR", Decimal(100), "EUR", date(2024, 1, 1)) == Decimal(100)


# ---- real sandbox data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two sandbox days of every provider (EUR and USD prices) loaded by dlt, then built by
    ``listings dbt build`` with LISTINGS_REPORTING_CURRENCY=gbp: neither currency is the reporting
    one, so every price is converted at a cross rate."""
    folder = tmp_path_factory.mktemp("reporting_currency")
    with (
        pytest.MonkeyPatch.context() as env,
        Sandbox(SandboxConfig(seed=23, total_listings=400, options={"avaroai": {"rate_limit": (20, 1.0)}})) as sandbox,
    ):
        load_sandbox_days(env, sandbox, folder)
        build = subprocess.run(
            [
                str(Path(sys.executable).parent / "listings"),
                *("dbt", "build", "--exclude", "test_type:unit"),
                *("--target-path", str(folder / "target"), "--log-path", str(folder / "logs")),
            ],
            cwd=REPO,
            env={**os.environ, REPORTING_CURRENCY_ENV: "gbp"},
            capture_output=True,
            text=True,
        )
        assert build.returncode == 0, build.stdout[-5000:]
    yield folder / "warehouse.duckdb"


def test_every_reporting_price_is_the_list_price_at_the_rate_of_its_start_date(sandbox_warehouse: Path) -> None:
    wrong = wrong_reporting_prices(sandbox_warehouse, "GBP", rates_into("GBP"))
    assert not wrong, f"{len(wrong)} price periods differ, e.g. {wrong[:3]}"
    converted = one_row(
        sandbox_warehouse,
        "select string_agg(distinct currency, ',' order by currency) from marts.listing_price_history"
        " where list_price_reporting is not null",
    )
    assert converted == ("EUR,USD",)  # both providers' currencies, through the base (EUR) and across it


# ---- incremental builds -----------------------------------------------------------------------------


def build(warehouse: Path, work: Path, *options: str, reporting: str = "EUR") -> None:
    """The price history of a USD EstatePrime (so that its prices need a rate) in ``reporting``, and
    what it reads (the whole of test_incremental_marts.py holds the other marts equal to a rebuild)."""
    registry = json.loads(dbt_vars([by_name(SOURCE)])["provider_registry"])
    registry[SOURCE]["currency"] = "USD"
    variables = ["--vars", json.dumps({"provider_registry": json.dumps(registry), "reporting_currency": reporting})]
    command = "seed" if options == ("seed",) else "run"
    selection = () if command == "seed" else ("--select", "+listing_price_history", *options)
    run_dbt(warehouse, work, command, *selection, vars_argument=variables)


def price_history(warehouse: Path) -> list[tuple]:
    """Every row of the price history's versions, in order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            row
            for mart in ("listing_price_history", "listing_price_history_v1")
            for row in con.execute(f"select '{mart}', * from marts.{mart} order by all").fetchall()
        ]


def rebuilt_from_raw(warehouse: Path, work: Path, reporting: str = "EUR") -> list[tuple]:
    copy = work / "rebuilt.duckdb"
    shutil.copy(warehouse, copy)
    build(copy, work, "--full-refresh", reporting=reporting)
    return price_history(copy)


def fx_records(warehouse: Path) -> int:
    """How many FX revisions the price history has recorded (one per build that read new rates)."""
    return one_row(
        warehouse,
        "select count(*) from intermediate.int_incremental_builds where model_name = 'listing_price_history:fx_rates'",
    )[0]


@pytest.fixture(scope="module")
def three_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three days of a USD provider (2026-03-02 to 04), each built incrementally."""
    folder = tmp_path_factory.mktemp("fx_incremental")
    warehouse, work = folder / "warehouse.duckdb", folder / "work"
    raw = RawDataset(warehouse)
    build(warehouse, work, "seed")
    for rows in DAYS[:3]:
        raw.load(rows)
        build(warehouse, work)
    return warehouse


@pytest.fixture
def built(three_days: Path, tmp_path: Path) -> tuple[Path, Path]:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(three_days, warehouse)
    return warehouse, tmp_path / "work"


def test_incremental_builds_convert_each_day_at_its_rate(built: tuple[Path, Path]) -> None:
    warehouse, _ = built
    assert wrong_reporting_prices(warehouse, "EUR", rates_into("EUR")) == []
    # three days, three different rates: each period at its own day's
    dates, values = rates_into("EUR")["USD"]
    periods = one_row(
        warehouse,
        "select string_agg(cast(list_price_reporting as varchar), ' ' order by valid_from)"
        " from marts.listing_price_history where listing_key = 'estateprime:store-1:l1'",
    )
    day_rates = [values[dates.index(date(2026, 3, day))] for day in (2, 3, 4)]
    expected = [(price * rate).quantize(CENT) for price, rate in zip((100, 90, 100), day_rates, strict=True)]
    assert periods == (" ".join(map(str, expected)),)
    assert fx_records(warehouse) == 1  # recorded by the first build; later ones read the same rates


def test_a_changed_fx_table_reaches_all_history_without_full_refresh(built: tuple[Path, Path], tmp_path: Path) -> None:
    """What `dbt seed` then the build do after seeds/fx_rates.csv changed: every listing is rebuilt,
    also those with no new version, and the marts equal a rebuild from raw."""
    warehouse, work = built
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update reference.fx_rates set rate = rate * 2 where quote_currency = 'USD'")
        con.execute(f"copy reference.fx_rates to '{tmp_path / 'fx_rates.csv'}' (header)")
    build(warehouse, work)
    assert wrong_reporting_prices(warehouse, "EUR", rates_into("EUR", tmp_path / "fx_rates.csv")) == []
    assert fx_records(warehouse) == 2
    assert price_history(warehouse) == rebuilt_from_raw(warehouse, work)


def test_a_changed_reporting_currency_reaches_all_history_without_full_refresh(built: tuple[Path, Path]) -> None:
    warehouse, work = built
    build(warehouse, work, reporting="CHF")
    assert wrong_reporting_prices(warehouse, "CHF", rates_into("CHF")) == []
    assert price_history(warehouse) == rebuilt_from_raw(warehouse, work, reporting="CHF")
    build(warehouse, work, reporting="CHF")  # unchanged: nothing new to record, no listing rebuilt for it
    assert fx_records(warehouse) == 2


def test_the_serving_file_masks_a_hidden_price_in_the_reporting_currency_too(built: tuple[Path, Path]) -> None:
    """The query by which the publish writes the price history with hidden prices masked."""
    warehouse, _ = built
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select column_name, data_type from duckdb_columns()"
            " where schema_name = 'marts' and table_name = 'listing_price_history' order by column_index"
        ).fetchall()
        names = [name for name, _ in columns]
        shown, masked = (
            [dict(zip(names, row, strict=True)) for row in con.execute(query).fetchall()]
            for query in (
                "select * from marts.listing_price_history",
                mart_query("listing_price_history", "marts", True, columns),
            )
        )
    assert any(period["price_is_hidden"] for period in shown)  # EstatePrime's l2, hidden on day two
    assert all(period["list_price_reporting"] is not None for period in shown)  # the marts keep the amounts
    served = {(period["listing_key"], period["valid_from"]): period for period in masked}
    for period in shown:
        published = served[(period["listing_key"], period["valid_from"])]
        expected = (None, None) if period["price_is_hidden"] else (period["list_price"], period["list_price_reporting"])
        assert (published["list_price"], published["list_price_reporting"]) == expected


# ---- the setting -----------------------------------------------------------------------------------


def test_the_reporting_currency_setting_is_an_iso_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REPORTING_CURRENCY_ENV, raising=False)
    assert reporting_currency() == "EUR" and dbt_vars()["reporting_currency"] == "EUR"
    monkeypatch.setenv(REPORTING_CURRENCY_ENV, " usd ")
    assert dbt_vars()["reporting_currency"] == "USD"
    for wrong in ("euro", "E1R", "US"):
        monkeypatch.setenv(REPORTING_CURRENCY_ENV, wrong)
        with pytest.raises(ValueError, match=f"{REPORTING_CURRENCY_ENV}='{wrong}': expected a three-letter"):
            reporting_currency()


def test_dbt_refuses_a_reporting_currency_that_is_no_iso_code(tmp_path: Path) -> None:
    command = [str(Path(sys.executable).parent / "dbt"), "compile", "--select", "int_fx_rates"]
    completed = subprocess.run(
        [*command, "--vars", json.dumps({**dbt_vars(), "reporting_currency": "euro"}), "--target-path", str(tmp_path)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "LISTINGS_WAREHOUSE": "duckdb", "LISTINGS_WAREHOUSE_PATH": str(tmp_path / "w.duckdb")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode != 0
    assert "var reporting_currency=euro: expected a three-letter ISO 4217 code" in completed.stdout
