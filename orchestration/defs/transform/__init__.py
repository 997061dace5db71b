"""The dbt project: every model, seed and test as Dagster assets and checks, and the sensor that
rebuilds what is downstream of each raw load."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from orchestration.defs import automation
from orchestration.registry import Provider


def definitions(providers: Sequence[Provider]) -> dg.Definitions:
    # dagster-dbt, and dbt through it, take seconds to import: only a process that builds the dbt
    # assets pays that (a raw load's step process builds the definitions without them)
    from orchestration.defs.transform.assets import build_dbt_assets, dbt_cli, listings_dbt_project

    project = listings_dbt_project(providers)
    return dg.Definitions(
        assets=[build_dbt_assets(project, providers)],
        sensors=[automation.rebuild_marts_sensor()],
        resources={"dbt": dbt_cli(project)},
    )
