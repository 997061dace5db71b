"""The dbt project: every model, seed and test as Dagster assets and checks, and the sensor that
rebuilds what is downstream of each raw load."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from orchestration.defs import automation
from orchestration.defs.transform.assets import build_dbt_assets, dbt_cli, listings_dbt_project
from orchestration.registry import Provider


def definitions(providers: Sequence[Provider]) -> dg.Definitions:
    project = listings_dbt_project(providers)
    return dg.Definitions(
        assets=[build_dbt_assets(project, providers)],
        sensors=[automation.rebuild_marts_sensor()],
        resources={"dbt": dbt_cli(project)},
    )
