"""The market report as one self-contained HTML page: the charts embedded as base64 PNG, every
number as an HTML table, the definitions; no script, stylesheet, font or image from elsewhere."""

from __future__ import annotations

import base64
import html
from datetime import UTC
from typing import TYPE_CHECKING

from orchestration.defs.report.charts import Chart
from orchestration.defs.report.metrics import DEFINITIONS, MarketMetrics

if TYPE_CHECKING:
    import pandas as pd

LABELS = {
    "median_price_per_sqm": "Median price per m²",
    "active_inventory": "Active inventory",
    "new_listings": "New listings",
    "price_cuts": "Price cuts",
    "median_days_on_market": "Median days on market",
}
WEEKLY_TABLE_ID, PRICES_TABLE_ID = "weekly-metrics", "price-per-sqm"
# (column, heading, decimals): the tables' columns and how each number is written
WEEKLY_TABLE = [
    ("iso_week", "ISO week", None),
    ("country_code", "Country", None),
    ("city", "City", None),
    ("active_inventory", "Active inventory", 0),
    ("new_listings", "New listings", 0),
    ("price_cuts", "Price cuts", 0),
    ("median_days_on_market", "Median days on market", 1),
]
PRICES_TABLE = [
    ("iso_week", "ISO week", None),
    ("country_code", "Country", None),
    ("city", "City", None),
    ("listing_type", "Listing type", None),
    ("currency", "Currency", None),
    ("priced_listings", "Priced listings", 0),
    ("median_price_per_sqm", "Median price per m² (rent: per month)", 2),
]
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; padding: 0 1em; }
h1 { margin-bottom: 0.2em; } .meta { color: #555; margin-top: 0; }
dt { font-weight: 600; margin-top: 0.6em; } dd { margin-left: 1.5em; color: #333; }
figure { margin: 1.5em 0; } img { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 2em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; } th { background: #f0f0f0; position: sticky; top: 0; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def format_number(value: object, decimals: int) -> str:
    """How the page writes a number: thousands separated, ``decimals`` places; empty where none."""
    if value is None or value != value:  # None or NaN: no median where no listing was active
        return ""
    return f"{value:,.{decimals}f}"


def render_page(metrics: MarketMetrics, charts: list[Chart]) -> str:
    weeks = metrics.weeks
    if weeks:
        as_of = metrics.data_as_of.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        span = weeks[0].label if len(weeks) == 1 else f"{weeks[0].label} to {weeks[-1].label}"
        meta = f"Data as of {as_of} (the latest load); ISO weeks in UTC: {span}."
    else:
        meta = "No listing in the marts yet: run <code>listings run</code> first."
    definitions = "\n".join(
        f"<dt>{html.escape(LABELS[name])}</dt><dd>{html.escape(text)}</dd>" for name, text in DEFINITIONS.items()
    )
    figures = "\n".join(  # each chart carries its title and subtitle
        f'<figure id="chart-{chart.name}"><img alt="{html.escape(chart.title)}" src="{data_uri(chart.png)}"></figure>'
        for chart in charts
    )
    newest_first = ["week_start", "country_code", "city"]
    weekly = metrics.weekly.sort_values(newest_first, ascending=[False, True, True])
    prices = metrics.prices.sort_values([*newest_first, "listing_type", "currency"], ascending=[False, *[True] * 4])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Listings market report</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Listings market report</h1>
<p class="meta">{meta}</p>
<h2>What the numbers are</h2>
<dl>
{definitions}
</dl>
{figures}
<h2>Weekly metrics by city</h2>
{html_table(weekly, WEEKLY_TABLE, WEEKLY_TABLE_ID)}
<h2>Median asking price per m² by city, listing type and currency</h2>
{html_table(prices, PRICES_TABLE, PRICES_TABLE_ID)}
</body>
</html>
"""


def html_table(frame: pd.DataFrame, columns: list[tuple[str, str, int | None]], table_id: str) -> str:
    head = "".join(f"<th>{html.escape(heading)}</th>" for _, heading, _ in columns)
    rows = []
    for record in frame.to_dict(orient="records"):
        cells = [
            f"<td>{html.escape(str(record[column]))}</td>"
            if decimals is None
            else f'<td class="number">{format_number(record[column], decimals)}</td>'
            for column, _, decimals in columns
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    body = "\n".join(rows)
    return f'<table id="{table_id}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'
