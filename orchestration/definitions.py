"""The Dagster code location: ``dagster dev -m orchestration.definitions``.

Definitions are built when Dagster loads them, not at import, so settings (paths, the warehouse)
are read then.
"""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from orchestration.defs import automation
from orchestration.defs.ingest.assets import build_raw_assets
from orchestration.defs.serving.assets import published_marts
from orchestration.defs.transform.assets import build_dbt_assets, dbt_cli, listings_dbt_project


@dg.definitions
def defs() -> dg.Definitions:
    project = listings_dbt_project()
    raw = build_raw_assets()
    jobs = automation.provider_jobs(raw)
    freshness = automation.freshness_checks(raw)
    return dg.Definitions(
        assets=[*raw.values(), build_dbt_assets(project), published_marts],
        asset_checks=freshness,
        jobs=jobs,
        schedules=automation.provider_schedules(jobs),
        sensors=automation.sensors(freshness),
        resources={
            "dlt": DagsterDltResource(),
            "dbt": dbt_cli(project),
        },
    )
