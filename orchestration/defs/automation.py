"""When things run: each provider on its own cadence, nightly reconciliation, marts after new raw
data, freshness checks. Declared once here; everything ships stopped unless
``LISTINGS_AUTOMATION=on`` (a fresh checkout must not start calling real provider APIs), and each
schedule or sensor can then be switched off alone in the UI. Each provider's cadence and freshness
window are declared in the provider registry (``orchestration/registry.py``).

Every provider has its own job, so a slow one never holds up another: a full scan paced to a quota
of 20 requests a minute may take an hour, while a cursor read every 15 minutes takes seconds. The
dbt models and the published serving file carry an ``eager`` automation condition: the automation
sensor rebuilds what is downstream of each raw load that lands (the models of one provider, then
the unions and marts), and publishes once the marts' blocking checks pass.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import dagster as dg

from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.registry import PROVIDERS, Provider, by_name

AUTOMATION_ENV = "LISTINGS_AUTOMATION"


def automation_enabled() -> bool:
    return os.environ.get(AUTOMATION_ENV, "off").lower() in ("on", "1", "true")


def default_status() -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if automation_enabled() else dg.DefaultScheduleStatus.STOPPED


def default_sensor_status() -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if automation_enabled() else dg.DefaultSensorStatus.STOPPED


def provider_jobs(raw_assets: dict[str, dg.AssetsDefinition]) -> list[dg.UnresolvedAssetJobDefinition]:
    return [
        dg.define_asset_job(
            f"load_{provider}",
            selection=dg.AssetSelection.assets(*assets.keys),
            description=f"Load {provider}'s raw data; the marts follow through the automation sensor.",
        )
        for provider, assets in raw_assets.items()
    ]


def provider_schedules(
    jobs: list[dg.UnresolvedAssetJobDefinition], providers: Sequence[Provider] = PROVIDERS
) -> list[dg.ScheduleDefinition]:
    def schedule(name: str, job: dg.UnresolvedAssetJobDefinition, cron: str, description: str, **options):
        return dg.ScheduleDefinition(
            name=name,
            job=job,
            cron_schedule=cron,
            execution_timezone="UTC",
            default_status=default_status(),
            description=description,
            **options,
        )

    schedules = []
    for job in jobs:
        provider = by_name(job.name.removeprefix("load_"), providers)
        routine = f"Routine {provider.name} load; the freshness check allows {provider.fresh_within}."
        schedules.append(schedule(f"{job.name}_schedule", job, provider.cron, routine))
        if provider.reconcile_cron:
            full = f"Full {provider.name} scan: the only run that can retire removed listings."
            full_scan = {"ops": {provider.name: {"config": {"full_scan": True}}}}
            schedules.append(
                schedule(f"reconcile_{provider.name}_nightly", job, provider.reconcile_cron, full, run_config=full_scan)
            )
    return schedules


# Freshness as asset checks: they pass or fail in the UI and the event log like every other check,
# and alert through the same channels. Dagster 1.13 marks these builders "superseded" by
# FreshnessPolicy, which is still young (no check result to alert on); the warning says no more.
def freshness_checks(providers: Sequence[Provider] = PROVIDERS) -> list[dg.AssetChecksDefinition]:
    with warnings.catch_warnings(action="ignore", category=dg.SupersessionWarning):
        return [
            check
            for provider in providers
            for check in dg.build_last_update_freshness_checks(
                assets=[raw_asset_key(provider.name)], lower_bound_delta=provider.fresh_within
            )
        ]


def rebuild_marts_sensor() -> dg.SensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        "rebuild_marts_after_loads",
        target=dg.AssetSelection.all(),
        default_status=default_sensor_status(),
        description="Rebuilds the dbt models downstream of each raw load, then publishes the marts.",
    )


def freshness_sensor(checks: list[dg.AssetChecksDefinition]) -> dg.SensorDefinition:
    with warnings.catch_warnings(action="ignore", category=dg.SupersessionWarning):
        return dg.build_sensor_for_freshness_checks(
            freshness_checks=checks, name="provider_freshness", default_status=default_sensor_status()
        )
