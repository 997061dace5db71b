"""The Dagster code location: ``dagster dev`` from the repository root (``[tool.dagster]`` in
pyproject.toml), or ``listings ui``.

Each folder of ``defs/`` exports its own definitions; this file merges them for the providers of the
registry. They are built when Dagster loads them, not at import, so settings (paths, the
warehouse) are read then; and once per process for a registry and its settings: every caller in
one process (the CLI's run, Dagster rebuilding a run's job, a test) shares them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import dagster as dg

from orchestration.defs import ingest, photos, report, serving, transform
from orchestration.defs.conventions import PIPELINE_RUN_JOB
from orchestration.registry import PROVIDERS, Provider
from orchestration.warehouse.resource import warehouse_resource

# Every setting the definitions read is a variable with this prefix (paths, the warehouse's memory and
# lock timeout, automation on or off): definitions built under other values are built again
SETTINGS_PREFIX = "LISTINGS_"


def build_definitions(providers: Sequence[Provider] = PROVIDERS, *, dbt: bool = True) -> dg.Definitions:
    """The code location for ``providers`` (the registry's, unless a test narrows them); without
    ``dbt``, only the raw loads (their jobs, schedules and freshness checks) and the warehouse: what
    a raw load's step process needs, built without importing dbt or reading its manifest."""
    return _definitions(tuple(providers), dbt, _settings())


def _settings() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, value) for name, value in os.environ.items() if name.startswith(SETTINGS_PREFIX)))


@functools.lru_cache(maxsize=8)  # bounded: a test session builds them under many data folders
def _definitions(providers: tuple[Provider, ...], dbt: bool, settings: tuple) -> dg.Definitions:
    if dbt:  # the raw loads' definitions (built once) and the stages after them
        raw_loads = _definitions(providers, False, settings)
        stages = (
            transform.definitions(providers),
            photos.definitions(providers),
            serving.definitions(),
            report.definitions(),
        )
        return dg.Definitions.merge(raw_loads, *stages)
    raw = ingest.definitions(providers)
    shared = dg.Definitions(jobs=[pipeline_run_job(raw)], resources={"warehouse": warehouse_resource()})
    return dg.Definitions.merge(raw, shared)


def pipeline_run_job(ingest_definitions: dg.Definitions) -> dg.UnresolvedAssetJobDefinition:
    """Every asset with the dbt tests but not the freshness checks: ``listings run`` runs subsets of
    it (a run that has just loaded is fresh by definition; freshness is the sensor's)."""
    freshness = [check for checks in ingest_definitions.asset_checks or [] for check in checks.check_keys]
    return dg.define_asset_job(
        PIPELINE_RUN_JOB,
        selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*freshness),
        description="What `listings run` runs: chosen providers' loads, then the dbt build and the publish.",
    )


def listings_run_job(dbt: bool = True) -> dg.JobDefinition:
    """The job ``listings run`` runs subsets of, as each of its step processes rebuilds it (through
    ``dg.build_reconstructable_job``, from this module); ``dbt=False`` for a run of raw loads only,
    whose step processes then never import dbt.

    It comes from the code location's definitions less the checks the job leaves out (the freshness
    checks: the freshness sensor's). A run of a subset of assets (``execute_job(asset_selection=...)``,
    which records the selection, so that a re-execution from the UI selects the same) takes every
    check of those assets that its definitions hold, whatever the job selects: each freshness check
    would cost a step process."""
    return _listings_run_job(dbt, _settings())


@functools.lru_cache(maxsize=4)
def _listings_run_job(dbt: bool, settings: tuple) -> dg.JobDefinition:
    location = build_definitions(dbt=dbt)
    job = location.resolve_job_def(PIPELINE_RUN_JOB)
    kept = job.asset_layer.asset_graph.asset_check_keys
    return dg.Definitions(
        assets=location.assets,
        asset_checks=[checks for checks in location.asset_checks or [] if set(checks.check_keys) <= kept],
        jobs=[dg.define_asset_job(PIPELINE_RUN_JOB, selection=dg.AssetSelection.all(), description=job.description)],
        resources=location.resources,
    ).resolve_job_def(PIPELINE_RUN_JOB)


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
