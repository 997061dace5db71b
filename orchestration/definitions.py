"""The Dagster code location: ``dagster dev`` from the repository root (``[tool.dagster]`` in
pyproject.toml), or ``listings ui``.

Each folder of ``defs/`` exports its own definitions; this file merges them for the providers of the
registry. They are built when Dagster loads them, not at import, so settings (paths, the
warehouse) are read then.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from orchestration.defs import ingest, serving, transform
from orchestration.defs.conventions import PIPELINE_RUN_JOB
from orchestration.registry import PROVIDERS, Provider
from orchestration.warehouse.resource import warehouse_resource


def build_definitions(providers: Sequence[Provider] = PROVIDERS) -> dg.Definitions:
    """The code location for ``providers`` (the registry's, unless a test narrows them)."""
    stages = [ingest.definitions(providers), transform.definitions(providers), serving.definitions()]
    shared = dg.Definitions(jobs=[pipeline_run_job(stages[0])], resources={"warehouse": warehouse_resource()})
    return dg.Definitions.merge(*stages, shared)


def pipeline_run_job(ingest_definitions: dg.Definitions) -> dg.UnresolvedAssetJobDefinition:
    """Every asset with the dbt tests but not the freshness checks: ``listings run`` runs subsets of
    it (a run that has just loaded is fresh by definition; freshness is the sensor's)."""
    freshness = [check for checks in ingest_definitions.asset_checks or [] for check in checks.check_keys]
    return dg.define_asset_job(
        PIPELINE_RUN_JOB,
        selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*freshness),
        description="What `listings run` runs: chosen providers' loads, then the dbt build and the publish.",
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
