"""Raw loads: one dlt multi-asset per provider, its job and schedules, and its freshness check."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
from dagster_dlt import DagsterDltResource

from orchestration.defs import automation
from orchestration.defs.ingest.assets import build_raw_assets
from orchestration.registry import Provider


def definitions(providers: Sequence[Provider]) -> dg.Definitions:
    raw = build_raw_assets(providers)
    jobs = automation.provider_jobs(raw)
    freshness = automation.freshness_checks(providers)
    return dg.Definitions(
        assets=list(raw.values()),
        asset_checks=freshness,
        jobs=jobs,
        schedules=automation.provider_schedules(jobs, providers),
        sensors=[automation.freshness_sensor(freshness)],
        resources={"dlt": DagsterDltResource()},
    )
