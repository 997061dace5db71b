"""When things run: each provider on its own cadence, nightly reconciliation, marts after new raw
data, freshness checks. Declared once here; everything ships stopped unless
``LISTINGS_AUTOMATION=on`` (a fresh checkout must not start calling real provider APIs), and each
schedule or sensor can then be switched off alone in the UI.

Every provider has its own job, so a slow one never holds up another: an AvaroAI scan at 20
requests a minute reads about 400 listings a minute and may take an hour, while Apimo's cursor read
every 15 minutes takes seconds. The dbt models and the published serving file carry an ``eager``
automation condition: the automation sensor rebuilds what is downstream of each raw load that
lands (the models of one provider, then the unions and marts), and publishes once the marts' blocking
checks pass.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from datetime import timedelta

import dagster as dg

AUTOMATION_ENV = "LISTINGS_AUTOMATION"


@dataclass(frozen=True)
class Cadence:
    cron: str  # routine load (UTC)
    fresh_within: timedelta  # the freshness check fails when the last load is older
    reconcile_cron: str | None = None  # nightly full scan, for providers whose routine run reads a cursor


CADENCES: dict[str, Cadence] = {
    # a full scan of 100 a page; the server's limit (undocumented, 429 with Retry-After) is far off
    "actuallycare": Cadence("10 * * * *", timedelta(hours=3)),
    # a cursor read: only listings updated since the last run; removals need the nightly full scan
    "apimo": Cadence("*/15 * * * *", timedelta(hours=1), reconcile_cron="5 2 * * *"),  # off the 15-min grid
    # a full scan paced to 20 requests a minute: N / 400 minutes
    "avaroai": Cadence("0 */6 * * *", timedelta(hours=13)),
    # one request per search for recent updates; the keyset scan is nightly
    "enclosure": Cadence("*/30 * * * *", timedelta(hours=2), reconcile_cron="20 2 * * *"),
    # a full scan per store at 50 a page
    "estateprime": Cadence("40 * * * *", timedelta(hours=3)),
    "koto": Cadence("*/30 * * * *", timedelta(hours=2), reconcile_cron="40 2 * * *"),
}


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


def provider_schedules(jobs: list[dg.UnresolvedAssetJobDefinition]) -> list[dg.ScheduleDefinition]:
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
        provider = job.name.removeprefix("load_")
        cadence = CADENCES[provider]
        routine = f"Routine {provider} load; the freshness check allows {cadence.fresh_within}."
        schedules.append(schedule(f"{job.name}_schedule", job, cadence.cron, routine))
        if cadence.reconcile_cron:
            full = f"Full {provider} scan: the only run that can retire removed listings."
            full_scan = {"ops": {provider: {"config": {"full_scan": True}}}}
            schedules.append(
                schedule(f"reconcile_{provider}_nightly", job, cadence.reconcile_cron, full, run_config=full_scan)
            )
    return schedules


# Freshness as asset checks: they pass or fail in the UI and the event log like every other check,
# and alert through the same channels. Dagster 1.13 marks these builders "superseded" by
# FreshnessPolicy, which is still young (no check result to alert on); the warning says no more.
def freshness_checks(raw_assets: dict[str, dg.AssetsDefinition]) -> list[dg.AssetChecksDefinition]:
    with warnings.catch_warnings(action="ignore", category=dg.SupersessionWarning):
        return [
            check
            for provider in raw_assets
            for check in dg.build_last_update_freshness_checks(
                assets=[dg.AssetKey([f"raw_{provider}", "listings"])],
                lower_bound_delta=CADENCES[provider].fresh_within,
            )
        ]


def sensors(checks: list[dg.AssetChecksDefinition]) -> list[dg.SensorDefinition]:
    return [
        dg.AutomationConditionSensorDefinition(
            "rebuild_marts_after_loads",
            target=dg.AssetSelection.all(),
            default_status=default_sensor_status(),
            description="Rebuilds the dbt models downstream of each raw load, then publishes the marts.",
        ),
        freshness_sensor(checks),
    ]


def freshness_sensor(checks: list[dg.AssetChecksDefinition]) -> dg.SensorDefinition:
    with warnings.catch_warnings(action="ignore", category=dg.SupersessionWarning):
        return dg.build_sensor_for_freshness_checks(
            freshness_checks=checks, name="provider_freshness", default_status=default_sensor_status()
        )
