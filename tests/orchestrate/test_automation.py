"""Schedules, sensors and automation conditions, evaluated the way the Dagster daemon evaluates them."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.test_utils import freeze_time
from dagster._utils.schedules import cron_string_iterator

from orchestration.definitions import defs
from orchestration.defs.automation import AUTOMATION_ENV
from orchestration.registry import by_name, provider_names

CURSOR_PROVIDERS = {"apimo", "enclosure", "koto"}  # routine runs read a cursor; removals need a full scan


def test_every_provider_has_its_own_job_and_schedule_and_cursor_providers_reconcile_nightly() -> None:
    definitions = defs()
    schedules = {schedule.name: schedule for schedule in definitions.schedules}
    assert set(schedules) == {f"load_{p}_schedule" for p in provider_names()} | {
        f"reconcile_{p}_nightly" for p in CURSOR_PROVIDERS
    }
    for provider in provider_names():
        job = definitions.resolve_job_def(f"load_{provider}")
        assert {key.path[0] for key in job.asset_layer.executable_asset_keys} == {f"raw_{provider}"}

    with dg.instance_for_test() as instance:
        for name, schedule in schedules.items():
            provider = name.removeprefix("load_").removesuffix("_schedule").removeprefix("reconcile_")
            provider = provider.removesuffix("_nightly")
            # closed at once: an open context holds the instance in a context variable, and closed by
            # the garbage collector later it would leave another test a deleted instance
            at_two = datetime(2026, 11, 23, 2)
            with dg.build_schedule_context(instance=instance, scheduled_execution_time=at_two) as context:
                [request] = schedule.evaluate_tick(context).run_requests
            assert schedule.job_name == f"load_{provider}"
            full_scan = request.run_config.get("ops", {}).get(provider, {}).get("config", {}).get("full_scan", False)
            assert full_scan == name.startswith("reconcile_")
            if name.startswith("reconcile_"):
                assert schedule.cron_schedule.split()[1:] == ["2", "*", "*", "*"]  # at night, UTC
                # never due at the same minute as the routine load (one of the two would queue)
                routine = fire_times(schedules[f"load_{provider}_schedule"].cron_schedule, hours=24)
                assert not fire_times(schedule.cron_schedule, hours=24) & routine


def fire_times(cron: str, hours: int) -> set[datetime]:
    start = datetime(2026, 11, 23, tzinfo=UTC).timestamp()
    times = set()
    for fire in cron_string_iterator(start, cron, "UTC"):
        if fire.timestamp() >= start + hours * 3600:
            return times
        times.add(fire)
    return times


def test_automation_ships_stopped_and_starts_by_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(AUTOMATION_ENV, raising=False)
    stopped = defs()
    assert {s.default_status for s in stopped.schedules} == {dg.DefaultScheduleStatus.STOPPED}
    assert {s.default_status for s in stopped.sensors} == {dg.DefaultSensorStatus.STOPPED}
    monkeypatch.setenv(AUTOMATION_ENV, "on")
    running = defs()
    assert {s.default_status for s in running.schedules} == {dg.DefaultScheduleStatus.RUNNING}
    assert {s.default_status for s in running.sensors} == {dg.DefaultSensorStatus.RUNNING}


def test_a_raw_load_triggers_the_models_downstream_of_it_only() -> None:
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    keys = list(graph.get_all_asset_keys())
    with dg.instance_for_test() as instance:
        for key in keys:  # everything built once
            instance.report_runless_asset_event(dg.AssetMaterialization(key))
        settled = dg.evaluate_automation_conditions(defs=definitions, instance=instance)
        assert settled.total_requested == 0

        instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey(["raw_apimo", "apimo_listings"])))
        after_apimo = dg.evaluate_automation_conditions(defs=definitions, instance=instance, cursor=settled.cursor)
        requested = {key.to_user_string() for key in graph.get_all_asset_keys() if after_apimo.get_num_requested(key)}
    assert {"staging/stg_apimo__listings", "staging/stg_apimo__loads", "intermediate/int_listing_versions"} <= requested
    assert {"marts/listings", "marts/listing_price_history", "marts/listing_events"} <= requested
    assert not {key for key in requested if key.startswith("raw_")}
    # no other provider's staging: the photo mirror follows every raw load (a load may bring photos
    # to copy), and with it the staging of its records
    other_staging = {key for key in requested if key.startswith("staging/stg_") and "apimo" not in key}
    assert other_staging <= {"staging/stg_photos__downloads"}


def test_freshness_checks_fail_when_a_provider_has_not_loaded_within_its_window() -> None:
    definitions = defs()
    apimo = dg.AssetKey(["raw_apimo", "apimo_listings"])
    checks = [check for check in definitions.asset_checks if apimo in {key.asset_key for key in check.check_keys}]
    assert len(checks) == 1 and by_name("apimo").fresh_within == timedelta(hours=1)
    selection = dg.AssetSelection.checks(*checks[0].check_keys)
    job = dg.Definitions.merge(definitions, dg.Definitions(jobs=[dg.define_asset_job("freshness", selection)]))
    job = job.resolve_job_def("freshness")
    with dg.instance_for_test() as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(apimo))
        fresh = job.execute_in_process(instance=instance)
        late = datetime.now(UTC) + by_name("apimo").fresh_within + timedelta(minutes=5)
        with freeze_time(late):  # Dagster's own clock override, used by its tests
            stale = job.execute_in_process(instance=instance)
    assert [check.passed for check in fresh.get_asset_check_evaluations()] == [True]
    assert [check.passed for check in stale.get_asset_check_evaluations()] == [False]


def test_a_failed_provider_load_does_not_hold_back_the_marts_of_the_others(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the schedules each provider loads in its own run; the automation sensor then rebuilds
    the marts from whichever loaded (the publish follows once their checks pass), whatever another
    provider's last run did."""
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    for name, value in {
        "SOURCES__ESTATEPRIME__BASE_URL": "http://127.0.0.1:9/api",  # the discard port: refused
        "SOURCES__ESTATEPRIME__API_KEYS": '{"1": "not-a-real-key"}',
        "SOURCES__ESTATEPRIME__TRANSIENT_MAX_ATTEMPTS": "2",
        "SOURCES__ESTATEPRIME__BACKOFF_INITIAL_SECONDS": "0.05",
    }.items():
        monkeypatch.setenv(name, value)
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    with dg.instance_for_test() as instance:
        for key in graph.get_all_asset_keys():  # everything built once
            instance.report_runless_asset_event(dg.AssetMaterialization(key))
        settled = dg.evaluate_automation_conditions(defs=definitions, instance=instance)
        failed = definitions.resolve_job_def("load_estateprime").execute_in_process(
            instance=instance, raise_on_error=False
        )
        instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey(["raw_apimo", "apimo_listings"])))
        after = dg.evaluate_automation_conditions(defs=definitions, instance=instance, cursor=settled.cursor)
        requested = {key.to_user_string() for key in graph.get_all_asset_keys() if after.get_num_requested(key)}
    assert not failed.success
    assert {"staging/stg_apimo__listings", "marts/listings", "marts/listing_price_history"} <= requested
    assert not {key for key in requested if "estateprime" in key}
