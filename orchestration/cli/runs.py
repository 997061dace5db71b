"""What ``listings run`` and ``listings status`` do: a Dagster run of chosen providers' loads and one
of the marts, and each provider's last load, cursor and freshness."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import dlt
import duckdb
import pandas as pd

from dlt_sources.common.warehouse_lock import warehouse_lock
from orchestration.cli.instance import use_dagster_home
from orchestration.definitions import defs
from orchestration.defs.conventions import FAILED_PROVIDERS_TAG, PIPELINE_RUN_JOB
from orchestration.defs.ingest.assets import incremental_cursor
from orchestration.registry import PROVIDERS, provider_names
from orchestration.settings import pipelines_dir, warehouse_path

DBT_OP = "listings_dbt"
RUN_HOST_TAG, RUN_PID_TAG = "listings/host", "listings/pid"  # which process runs it


def pipeline_run_job() -> dg.JobDefinition:
    """The job ``listings run`` runs subsets of: each step's process loads it again through
    ``dg.reconstructable``, from this module."""
    return defs().get_job_def(PIPELINE_RUN_JOB)


@dataclass
class PipelineRun:
    """What ``listings run`` did: the providers whose load failed (with the cause their error gave:
    provider, account, what failed and what to check), and whether the marts were rebuilt and
    published (None when not asked for)."""

    failed_providers: dict[str, str] = field(default_factory=dict)
    marts_published: bool | None = None

    @property
    def outcome(self) -> str:
        if self.marts_published is False or (self.failed_providers and self.marts_published is None):
            return "failed"
        return "partial" if self.failed_providers else "succeeded"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]


# 3, not 1, for a partial run: the marts were published, without some providers' new data
EXIT_CODES = {"succeeded": 0, "failed": 1, "partial": 3}


def run_pipeline(
    providers: Sequence[str] = (),
    *,
    full_refresh: bool = False,
    raw: bool = True,
    marts: bool = True,
    in_process: bool = False,
) -> PipelineRun:
    """Load ``providers`` (all when empty) in one Dagster run, then rebuild and publish the marts in
    a second; ``raw=False`` only rebuilds and publishes the marts, ``marts=False`` only loads.

    Two runs, because in one a failed step skips every step downstream of it: one provider's outage
    would keep every provider's new data out of the marts. The marts run follows whenever at least
    one provider loaded; a provider that failed keeps its last good data there, and the marts run
    carries the failed providers in its tags (and the publish in its metadata).

    The multiprocess executor runs each provider in its own process: they extract side by side and
    take turns at the warehouse lock to load. ``in_process`` runs every step in this process, one
    after another.
    """
    providers = (list(providers) or provider_names()) if raw else []
    use_dagster_home()
    datasets = {f"raw_{provider}" for provider in providers}
    graph = defs().resolve_asset_graph()
    raw_keys = {key for key in graph.executable_asset_keys if key.path[0] in datasets}
    mart_keys = {key for key in graph.executable_asset_keys if not key.path[0].startswith("raw_")} if marts else set()
    report = PipelineRun()
    with dg.DagsterInstance.get() as instance:
        fail_dead_runs(instance)
        tags = run_process_tags()
        if raw_keys:
            # every provider at once: they wait on HTTP, not on the CPU (the default limit is the core count)
            config = {provider: {"config": {"full_scan": True}} for provider in providers} if full_refresh else {}
            run = execute_assets(instance, raw_keys, config, len(providers), in_process, tags)
            report.failed_providers = provider_failures(instance, run.run_id, providers)
            loaded = len(providers) - len(report.failed_providers)
            print(f"Dagster run {run.run_id} (raw loads): {loaded} of {len(providers)} providers loaded", flush=True)
        if mart_keys and (not raw_keys or len(report.failed_providers) < len(providers)):
            config = {DBT_OP: {"config": {"full_refresh": True}}} if full_refresh else {}
            if report.failed_providers:
                tags = {**tags, FAILED_PROVIDERS_TAG: ",".join(sorted(report.failed_providers))}
            run = execute_assets(instance, mart_keys, config, 1, in_process, tags)
            report.marts_published = run.is_success
            state = "published" if run.is_success else "FAILED"
            print(f"Dagster run {run.run_id} (dbt build and publish): {state}", flush=True)
        elif mart_keys:
            report.marts_published = False  # nothing new to build from: every provider failed
    return report


def execute_assets(
    instance: dg.DagsterInstance,
    selection: set[dg.AssetKey],
    op_config: dict,
    max_concurrent: int,
    in_process: bool,
    tags: dict[str, str],
) -> dg.DagsterRun:
    """One Dagster run of ``selection`` and its checks (those of the pipeline-run job: the dbt tests,
    not the freshness checks), recorded in ``instance`` (the UI lists it)."""
    executor = {"in_process": {}} if in_process else {"multiprocess": {"max_concurrent": max(1, max_concurrent)}}
    run_config = {"ops": op_config, "execution": {"config": executor}}
    result = dg.execute_job(
        dg.reconstructable(pipeline_run_job),
        instance,
        run_config=run_config,
        tags=tags,
        asset_selection=sorted(selection),
        raise_on_error=False,
    )
    return instance.get_run_by_id(result.run_id)


def provider_failures(instance: dg.DagsterInstance, run_id: str, providers: Sequence[str]) -> dict[str, str]:
    """Provider -> the cause of its failed step in ``run_id`` (the innermost error's message: the
    sources' errors name provider, account, what failed and what to check)."""
    failures = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        event = record.dagster_event
        provider = event.step_key
        if provider not in providers:
            continue
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:
            error = error.cause
        failures[provider] = (error.message.strip() if error else "the step failed").splitlines()[-1]
    not_run = set(providers) - set(failures) - succeeded_steps(instance, run_id)
    failures.update({provider: "the step did not run (see the run in `listings ui`)" for provider in not_run})
    return failures


def succeeded_steps(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    return {
        record.dagster_event.step_key for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    }


def run_process_tags() -> dict[str, str]:
    return {RUN_HOST_TAG: socket.gethostname(), RUN_PID_TAG: str(os.getpid())}


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """End the runs of earlier ``listings run`` processes on this machine that died unfinished
    (killed, or the machine went down): marked failed, their pool slots freed. A dead run keeps its
    slot, and the next dbt build would wait for it forever. (Runs launched from the UI or by
    schedules are not covered: the default run launcher cannot tell a dead run worker from a live
    one, so such a run is terminated in the UI; the README's Reliability section says so.)"""
    unfinished = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED],
            tags={RUN_HOST_TAG: socket.gethostname()},
        )
    )
    ended = []
    for run in unfinished:
        if RUN_PID_TAG in run.tags and not process_alive(int(run.tags[RUN_PID_TAG])):
            instance.report_run_failed(run, "its `listings run` process died before the run ended")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            ended.append(run.run_id)
            print(f"# Dagster run {run.run_id} had died unfinished: marked failed, its pool slots freed", flush=True)
    return ended


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def unmapped_source_values() -> pd.DataFrame:
    """Provider words and codes the crosswalk does not map yet, with the listings carrying each
    (dbt's ``int_unmapped_source_values``; empty before the first build)."""
    columns = ["source", "provider", "field", "source_value", "listings"]
    warehouse = warehouse_path()
    if not warehouse.exists():
        return pd.DataFrame(columns=columns)
    with (
        warehouse_lock(warehouse, "read unmapped provider values", read_only=True),
        duckdb.connect(str(warehouse), read_only=True) as connection,
    ):
        try:
            return connection.execute(
                f"select {', '.join(columns)} from intermediate.int_unmapped_source_values "
                "order by source, field, listings desc, source_value"
            ).df()
        except duckdb.CatalogException:  # the marts were never built here
            return pd.DataFrame(columns=columns)


def provider_status(now: datetime | None = None) -> pd.DataFrame:
    """One row per provider: last committed load, raw counts, cursor, and freshness."""
    now = now or datetime.now(UTC)
    rows = []
    warehouse = warehouse_path()
    if not warehouse.exists():
        raise SystemExit(f"no warehouse at {warehouse} yet: run `listings run` (or `listings demo`) first")
    with (
        warehouse_lock(warehouse, "read load status", read_only=True),
        # no Python variables as tables: a provider never loaded must be a CatalogException, not a
        # scan of this function's own `listings` count from the provider before
        duckdb.connect(str(warehouse), read_only=True, config={"python_enable_replacements": False}) as connection,
    ):
        for provider in PROVIDERS:
            dataset = provider.dataset
            try:
                last_load, versions, listings = connection.execute(
                    f"""select (select max(inserted_at) from {dataset}._dlt_loads where status = 0),
                               count(*) filter (where payload is not null), count(distinct source_listing_id)
                        from {dataset}.listings"""
                ).fetchone()
            except duckdb.CatalogException:  # never loaded
                last_load, versions, listings = None, 0, 0
            fresh_within = provider.fresh_within
            state = listings_state(provider.name)
            rows.append(
                {
                    "provider": provider.name,
                    "last_load_at": last_load.astimezone(UTC).isoformat(timespec="seconds") if last_load else None,
                    "listings": listings,
                    "versions": versions,
                    "cursor": cursor(state),
                    "last_complete_scan_at": last_complete_scan(state),
                    "freshness": "never loaded"
                    if last_load is None
                    else ("fresh" if now - last_load <= fresh_within else f"STALE (> {fresh_within})"),
                }
            )
    return pd.DataFrame(rows)


def listings_state(provider: str) -> dict | None:
    """The provider's listings resource state in its local dlt state; None when never run here."""
    try:
        pipeline = dlt.attach(pipeline_name=f"listings_{provider}", pipelines_dir=str(pipelines_dir()))
    except Exception:  # no local state: never run here
        return None
    return pipeline.state.get("sources", {}).get(provider, {}).get("resources", {}).get("listings", {})


def cursor(state: dict | None) -> str:
    """The incremental cursor in a provider's listings state (full-scan providers have none), its
    times as UTC ISO 8601 (Apimo's are Unix seconds)."""
    if state is None:
        return "-"
    cursor_state = incremental_cursor(state)
    return json.dumps(_as_times(cursor_state)) if cursor_state else "full scan each run"


def last_complete_scan(state: dict | None) -> str | None:
    """When the least recently reconciled account of a provider last completed a full scan."""
    scans = (state or {}).get("last_complete_scan_at", {})
    return datetime.fromisoformat(min(scans.values())).isoformat(timespec="seconds") if scans else None


def _as_times(value: object) -> object:
    if isinstance(value, dict):
        return {name: _as_times(item) for name, item in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 1e9:  # Unix seconds
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")
    return value
