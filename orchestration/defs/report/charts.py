"""The market report's charts, as PNG bytes: per metric, the latest week by city (bars) beside the
weekly trend of the biggest cities (lines).

matplotlib's object API (``Figure`` and the Agg canvas), not pyplot: no display, no backend to
choose, and no global figure registry for a long-lived Dagster process to fill.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

from orchestration.defs.report.metrics import MarketMetrics

TREND_CITIES = 6  # lines on a trend panel: more are not told apart
DPI = 100
BAR_COLOUR = "#2f6f9f"
SUBTITLES = {
    "sale": "Asking price ÷ living area of the active sale listings at the week's end. One median per currency.",
    "rent": "Monthly asking rent ÷ living area of the active long-term rentals at the week's end "
    "(a rent per day, week or year brought to a month). One median per currency.",
    "active_inventory": "Listings with status active at the week's end (Sunday 24:00 UTC), every listing type.",
    "new_listings": "Listings first listed that week (new_listing events; not what a first load found already listed).",
    "price_cuts": "Price periods starting that week below the listing's previous price, same currency and period.",
    "median_days_on_market": "Of the listings active at the week's end: whole days from the listing date "
    "to the week's last day (for the week in progress, to the latest load's day).",
}


@dataclass(frozen=True)
class Chart:
    """One PNG of the report: its file name, its title, and the bytes."""

    name: str
    title: str
    png: bytes


@dataclass(frozen=True)
class Panel:
    """One row of a chart: a metric of one frame (columns place, iso_week and ``value``)."""

    title: str
    unit: str
    values: pd.DataFrame
    integer: bool = False


def render_charts(metrics: MarketMetrics) -> list[Chart]:
    """Every chart of the report (none before the marts have a listing)."""
    if not metrics.weeks:
        return []
    weekly = metrics.weekly.assign(place=lambda frame: place_labels(frame))
    prices = metrics.prices.assign(place=lambda frame: place_labels(frame))
    charts = []
    for listing_type, name, title in (
        ("sale", "price_per_sqm_sale", "Median asking price per m², sales"),
        ("rent", "rent_per_sqm_month", "Median monthly rent per m², long-term rentals"),
    ):
        of_type, monthly = prices[prices["listing_type"] == listing_type], listing_type == "rent"
        per_month = " per month" if monthly else ""
        panels = [
            Panel(f"{currency} per m²{per_month}", f"{currency}/m²{'/month' if monthly else ''}", frame)
            for currency, frame in sorted(
                (currency, of_type[of_type["currency"] == currency].rename(columns={"median_price_per_sqm": "value"}))
                for currency in of_type["currency"].unique()
            )
        ]
        charts.append(_chart(name, title, SUBTITLES[listing_type], panels, metrics))
    for column, title, unit, integer in (
        ("active_inventory", "Active inventory", "listings", True),
        ("new_listings", "New listings", "listings", True),
        ("price_cuts", "Price cuts", "price decreases", True),
        ("median_days_on_market", "Median days on market", "days", False),
    ):
        panel = Panel(title, unit, weekly.rename(columns={column: "value"}), integer)
        charts.append(_chart(column, title, SUBTITLES[column], [panel], metrics))
    return charts


def place_labels(frame: pd.DataFrame) -> pd.Series:
    """``City (CC)``: a city's name alone is not unique across countries."""
    return frame["city"].str.slice(0, 22) + " (" + frame["country_code"] + ")"


def _chart(name: str, title: str, subtitle: str, panels: list[Panel], metrics: MarketMetrics) -> Chart:
    """A figure laid out by hand, in inches (a layout engine, or a tight bounding box, draws every
    figure twice or more: most of the report's cost)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    latest = metrics.weeks[-1]
    in_progress = latest.reference_date < latest.week_start + timedelta(days=6)
    week_note = latest.label + (f", in progress (to {latest.reference_date:%d %b %Y})" if in_progress else "")
    panels = panels or [Panel("no priced listings", "", metrics.weekly.iloc[0:0].assign(value=[]))]
    subtitle_lines = textwrap.wrap(subtitle, 150)
    header = 0.75 + 0.2 * len(subtitle_lines)
    plots = [max(0.35 + 0.24 * len(panel.values[panel.values["iso_week"] == latest.label]), 1.8) for panel in panels]
    height = header + sum(_PANEL_ABOVE + plot + _PANEL_BELOW for plot in plots)
    figure = Figure(figsize=(_WIDTH, height), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.text(0.15 / _WIDTH, 1 - 0.2 / height, title, fontsize=15, fontweight="bold", va="top")
    figure.text(0.15 / _WIDTH, 1 - 0.6 / height, "\n".join(subtitle_lines), fontsize=9.5, color="#444444", va="top")
    top = height - header
    for panel, plot in zip(panels, plots, strict=True):
        bottom = top - _PANEL_ABOVE - plot
        bars = figure.add_axes((_BARS_LEFT / _WIDTH, bottom / height, _BARS_WIDTH / _WIDTH, plot / height))
        trend = figure.add_axes((_TREND_LEFT / _WIDTH, bottom / height, _TREND_WIDTH / _WIDTH, plot / height))
        _bars(bars, panel, latest.label, f"{panel.title}: week {week_note}")
        _trend(trend, panel, metrics, f"{panel.title}: weekly, the {TREND_CITIES} biggest cities")
        top = bottom - _PANEL_BELOW
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return Chart(name, title, with_palette(buffer.getvalue()))


# The figure's layout, in inches: a panel's title above its axes, its tick labels and axis title below
_WIDTH, _PANEL_ABOVE, _PANEL_BELOW = 12.0, 0.45, 0.95
_BARS_LEFT, _BARS_WIDTH = 1.75, 4.5  # room on the left for "City (CC)"
_TREND_LEFT, _TREND_WIDTH = 7.1, 3.3  # room on the right for the legend


def with_palette(png: bytes, colours: int = 64) -> bytes:
    """``png`` with a palette of ``colours``: a chart has few colours, and the page and the Dagster
    event log (which keeps every run's charts) take a third of the bytes, the chart unchanged to the eye."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG")
    return buffer.getvalue()


def _bars(axes: Axes, panel: Panel, week: str, title: str) -> None:
    values = panel.values[panel.values["iso_week"] == week].dropna(subset=["value"])
    values = values.sort_values(["value", "place"], ascending=[True, False])
    axes.set_title(title, fontsize=10, loc="left")
    if values.empty:
        axes.text(0.5, 0.5, "no data this week", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    axes.barh(values["place"], values["value"], color=BAR_COLOUR, height=0.7)
    fmt = _formatter(panel.integer)
    for position, value in enumerate(values["value"]):
        axes.text(value, position, f" {fmt(value)}", va="center", fontsize=8)
    axes.set_xlabel(panel.unit)
    axes.xaxis.set_major_formatter(_thousands)
    axes.xaxis.get_major_locator().set_params(integer=panel.integer)  # no half listings
    axes.set_xlim(0, values["value"].max() * 1.15 or 1)
    axes.tick_params(axis="y", labelsize=8)
    axes.grid(axis="x", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)


def _trend(axes: Axes, panel: Panel, metrics: MarketMetrics, title: str) -> None:
    axes.set_title(title, fontsize=10, loc="left")
    labels = [week.label for week in metrics.weeks]
    if len(labels) < 2:
        axes.text(
            0.5,
            0.5,
            f"One week of data so far ({labels[0]}):\nthe weekly trend shows from the second week.",
            ha="center",
            va="center",
            fontsize=10,
            color="#555555",
            transform=axes.transAxes,
        )
        axes.set_axis_off()
        return
    inventory = metrics.weekly[metrics.weekly["iso_week"] == labels[-1]].assign(place=place_labels)
    places_in_panel = set(panel.values["place"])
    biggest = [
        place
        for place in inventory.sort_values(["active_inventory", "place"], ascending=[False, True])["place"]
        if place in places_in_panel
    ][:TREND_CITIES]
    positions = {label: index for index, label in enumerate(labels)}
    for place in biggest:
        series = panel.values[panel.values["place"] == place].dropna(subset=["value"])
        axes.plot(series["iso_week"].map(positions), series["value"], marker="o", markersize=3, label=place)
    axes.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
    axes.set_xlabel("ISO week (UTC)")
    axes.set_ylabel(panel.unit)
    axes.yaxis.set_major_formatter(_thousands)
    axes.yaxis.get_major_locator().set_params(integer=panel.integer)
    axes.grid(alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    if biggest:
        axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _thousands(value: float, _position: int) -> str:
    """An axis' tick label (matplotlib takes a function as a formatter): 10,000 rather than 10000."""
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.1f}"


def _formatter(integer: bool) -> Callable[[float], str]:
    return (lambda value: f"{value:,.0f}") if integer else (lambda value: f"{value:,.1f}")
