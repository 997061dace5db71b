"""The market report: per city and ISO week, prices per m², inventory, new listings, price cuts and
days on market, read from the published marts and drawn as charts and one HTML page beside the
serving file (``listings report`` makes it again without a load)."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.report.assets import REPORT_KEYS, market_report, report_dir, report_page_path

__all__ = ["REPORT_KEYS", "definitions", "report_dir", "report_page_path"]


def definitions() -> dg.Definitions:
    return dg.Definitions(assets=[market_report])
