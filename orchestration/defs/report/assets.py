"""The market report's assets: after each publish, the numbers per city and ISO week
(``report/market_metrics``, CSV files) and the charts and page people look at
(``report/market_report``, PNG files and one self-contained HTML page), written in a ``report``
folder beside the serving file, the charts also shown in the Dagster UI.

One step makes both (a multi-asset): the page is drawn from the numbers just read, so it costs one
read of the marts and no intermediate storage. The marts are read from the warehouse (either
engine) under its read lock; the files are written whole (a temporary file, then a rename), the
page last, so a reader never opens a page whose charts are half written.
"""

import os
import tempfile
import time
from pathlib import Path

import dagster as dg

from orchestration.defs.conventions import OWNERS

# pandas and matplotlib load when the step runs (these modules import them there), not with the definitions
from orchestration.defs.report.charts import Chart, render_charts
from orchestration.defs.report.metrics import DEFINITIONS, REPORT_WEEKS, read_market_metrics
from orchestration.defs.report.page import data_uri, render_page
from orchestration.settings import serving_masks_hidden_prices, serving_path
from orchestration.warehouse.resource import Warehouse, table_exists

METRICS_KEY = dg.AssetKey(["report", "market_metrics"])
REPORT_KEY = dg.AssetKey(["report", "market_report"])
REPORT_KEYS = (METRICS_KEY, REPORT_KEY)
PAGE_NAME = "market_report.html"
WEEKLY_CSV, PRICES_CSV = "market_weekly.csv", "price_per_sqm_weekly.csv"
PREVIEW_ROWS = 10

_DEFINITIONS_TEXT = " ".join(f"{name}: {text}" for name, text in DEFINITIONS.items())


def report_dir() -> Path:
    """The report's folder: ``report`` beside the serving file (``LISTINGS_SERVING_PATH``)."""
    return serving_path().parent / "report"


def report_page_path() -> Path:
    return report_dir() / PAGE_NAME


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            METRICS_KEY,
            deps=[dg.AssetKey(["serving", "marts"])],
            group_name="report",
            kinds={"pandas", "csv"},
            owners=OWNERS,
            automation_condition=dg.AutomationCondition.eager(),
            description=f"The market report's numbers, per city (country and city) and ISO week (UTC), the last "
            f"{REPORT_WEEKS} weeks the pipeline watched, read from marts.listings, marts.listing_price_history and "
            f"marts.listing_events: {WEEKLY_CSV} and {PRICES_CSV} in the report folder beside the serving file. "
            + _DEFINITIONS_TEXT,
        ),
        dg.AssetSpec(
            REPORT_KEY,
            deps=[METRICS_KEY],
            group_name="report",
            kinds={"matplotlib", "html"},
            owners=OWNERS,
            automation_condition=dg.AutomationCondition.eager(),
            description=f"The market report people look at: a chart per metric (PNG) and {PAGE_NAME}, one "
            "self-contained page with the charts and every number as tables, in the report folder beside "
            "the serving file; the charts are in this asset's metadata too.",
        ),
    ],
    # the metrics and the page are made together: the page is drawn from the numbers just read
    can_subset=False,
)
def market_report(context: dg.AssetExecutionContext, warehouse: Warehouse):  # noqa: ANN201 (a generator of results)
    started = time.perf_counter()
    mask = serving_masks_hidden_prices()
    with warehouse.lock("read the marts for the market report", read_only=True), warehouse.read() as connection:
        if not table_exists(connection, "marts", "listing_events"):
            raise RuntimeError(f"no marts in {warehouse.database} yet: run `listings run` (or the demo) first")
        metrics = read_market_metrics(connection, mask_hidden_prices=mask)
    read_s = time.perf_counter() - started
    folder = report_dir()
    folder.mkdir(parents=True, exist_ok=True)
    write_file(folder / WEEKLY_CSV, metrics.weekly.to_csv(index=False).encode())
    write_file(folder / PRICES_CSV, metrics.prices.to_csv(index=False).encode())
    latest = metrics.weeks[-1].label if metrics.weeks else None
    yield dg.MaterializeResult(
        asset_key=METRICS_KEY,
        metadata={
            "data_as_of": metrics.data_as_of.isoformat() if metrics.data_as_of else "no listing yet",
            "weeks": dg.MetadataValue.json([week.label for week in metrics.weeks]),
            "cities": int(metrics.weekly[["country_code", "city"]].drop_duplicates().shape[0]),
            "hidden_prices_in_medians": "left out (LISTINGS_SERVING_HIDDEN_PRICES=mask)" if mask else "included",
            "weekly_csv": dg.MetadataValue.path(str(folder / WEEKLY_CSV)),
            "prices_csv": dg.MetadataValue.path(str(folder / PRICES_CSV)),
            "preview": dg.MetadataValue.md(latest_week_preview(metrics.weekly, latest)),
            "price_preview": dg.MetadataValue.md(latest_week_preview(metrics.prices, latest)),
            "read_seconds": round(read_s, 2),
        },
    )
    charts = render_charts(metrics)
    for chart in charts:
        write_file(folder / f"{chart.name}.png", chart.png)
    page = folder / PAGE_NAME
    write_file(page, render_page(metrics, charts).encode())
    took = time.perf_counter() - started
    context.log.info(f"market report of {latest or 'no week yet'} written to {page} in {took:.1f} s")
    yield dg.MaterializeResult(
        asset_key=REPORT_KEY,
        metadata={
            "report_path": dg.MetadataValue.path(str(page)),
            **{f"chart_{chart.name}": dg.MetadataValue.md(chart_markdown(chart)) for chart in charts},
            "preview": dg.MetadataValue.md(latest_week_preview(metrics.weekly, latest)),
            "seconds": round(took, 2),
        },
    )


def chart_markdown(chart: Chart) -> str:
    """A chart as Markdown the Dagster UI shows: its title, and the PNG inline as a data URI."""
    return f"**{chart.title}**\n\n![{chart.title}]({data_uri(chart.png)})"


def latest_week_preview(frame, week: str | None) -> str:  # noqa: ANN001 (a DataFrame; pandas loads in the step)
    """The latest week's first rows as a Markdown table (pandas' ``to_markdown``)."""
    rows = frame[frame["iso_week"] == week].head(PREVIEW_ROWS) if week else frame.head(0)
    return rows.drop(columns=["week_start"]).to_markdown(index=False, floatfmt=".2f")


def write_file(path: Path, content: bytes) -> None:
    """``content`` at ``path`` whole: written beside it, then renamed over it (atomic on one file system)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
