"""The published marts: a read-only serving file (and optionally Parquet) for analysts and BI tools."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.serving.assets import published_marts


def definitions() -> dg.Definitions:
    return dg.Definitions(assets=[published_marts])
