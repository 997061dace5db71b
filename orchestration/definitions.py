"""The Dagster code location: ``dagster dev -m orchestration.definitions``.

Definitions are built when Dagster loads them, not at import, so settings (paths, the warehouse)
are read then.
"""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from orchestration.defs.ingest.assets import build_raw_assets
from orchestration.defs.transform.assets import build_dbt_assets, dbt_cli, listings_dbt_project


@dg.definitions
def defs() -> dg.Definitions:
    project = listings_dbt_project()
    return dg.Definitions(
        assets=[*build_raw_assets(), build_dbt_assets(project)],
        resources={
            "dlt": DagsterDltResource(),
            "dbt": dbt_cli(project),
        },
    )
