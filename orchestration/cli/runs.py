"""What ``listings run`` and ``listings status`` do: a Dagster run of chosen providers' loads and one
of the marts, and each provider's last load, cursor and freshness."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

import dagster as dg
import dlt

from orchestration.cli.instance import use_dagster_home
from orchestration.cli.progress import DBT_STEP, PHOTO_STEP, PUBLISH_STEP, REPORT_STEP, failure_cause
from orchestration.definitions import build_definitions, listings_run_job
from orchestration.defs.conventions import FAILED_PROVIDERS_TAG, PIPELINE_RUN_JOB
from orchestration.defs.ingest.assets import incremental_cursor
from orchestration.defs.photos.assets import MIRROR_KEY
from orchestration.platform.processes import process_alive
from orchestration.registry import PROVIDERS, provider_names, raw_dataset
from orchestration.settings import mirrored_photo_sources, pipelines_dir
from orchestration.warehouse.resource import Warehouse, table_exists

if TYPE_CHECKING:
    import pandas as pd

DBT_OP = DBT_STEP
RUN_HOST_TAG, RUN_PID_TAG = "listings/host", "listings/pid"  # which process runs it
# One `listings run` makes two Dagster runs, tagged with the same invocation: its loads ("raw"), then
# the marts ("marts"); `listings status` reads the last one's outcome from them.
INVOCATION_TAG, STAGE_TAG, LOG_TAG = "listings/invocation", "listings/stage", "listings/log"
# A re-execution from the UI copies its parent's tags, but no `listings run` process runs it
PARENT_RUN_TAG = "dagster/parent_run_id"


@dataclass
class PipelineRun:
    """What ``listings run`` did: the providers whose load failed (with the cause their error gave:
    provider, account, what failed and what to check), and whether the marts were rebuilt and
    published (None when not asked for; when not, ``marts_failure`` says which step failed, and why)."""

    failed_providers: dict[str, str] = field(default_factory=dict)
    marts_published: bool | None = None
    marts_failure: str | None = None
    # what failed after the publish (the market report) or in a run of its own (the photo mirror):
    # its name -> the cause; the marts were published all the same
    failed_extras: dict[str, str] = field(default_factory=dict)
    run_ids: dict[str, str] = field(default_factory=dict)  # stage ("raw", "marts", "photos") -> Dagster run id

    @property
    def outcome(self) -> str:
        if self.marts_published is False or (self.failed_providers and self.marts_published is None):
            return "failed"
        return "partial" if self.failed_providers or self.failed_extras else "succeeded"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]


# 3, not 1, for a partial run: the marts were published, without some providers' new data, or the
# market report or the photo mirror failed
EXIT_CODES = {"succeeded": 0, "failed": 1, "partial": 3}


class RunObserver(Protocol):
    """Who ``run_pipeline`` tells what it does: lines to show (``say``), and each Dagster run to
    watch while it executes (``watching``: the run carries ``tags``, and runs ``steps``)."""

    def say(self, text: str) -> None: ...

    def watching(
        self, instance: dg.DagsterInstance, tags: dict[str, str], steps: Iterable[str]
    ) -> AbstractContextManager[None]: ...


class PrintObserver:
    """Lines printed, runs not watched."""

    def say(self, text: str) -> None:
        print(text, flush=True)

    def watching(
        self, instance: dg.DagsterInstance, tags: dict[str, str], steps: Iterable[str]
    ) -> AbstractContextManager[None]:
        return nullcontext()


def run_pipeline(
    providers: Sequence[str] = (),
    *,
    full_refresh: bool = False,
    raw: bool = True,
    marts: bool = True,
    in_process: bool = False,
    observer: RunObserver | None = None,
    tags: dict[str, str] | None = None,
) -> PipelineRun:
    """Load ``providers`` (all when empty) in one Dagster run, then rebuild and publish the marts in
    a second; ``raw=False`` only rebuilds and publishes the marts, ``marts=False`` only loads.

    Two runs, because in one a failed step skips every step downstream of it: one provider's outage
    would keep every provider's new data out of the marts. The marts run follows whenever at least
    one provider loaded; a provider that failed keeps its last good data there, and the marts run
    carries the failed providers in its tags (and the publish in its metadata).

    The multiprocess executor runs each provider in its own process: they extract side by side and
    take turns at the warehouse lock to load. One provider's load, and the marts run (the dbt build,
    then the publish: one after the other whatever the executor), run in this process, which has
    their definitions already: a step process would spend seconds loading them again before any
    work. ``in_process`` runs every step here, one after another. ``observer`` is told what happens
    (default: lines printed); ``tags`` go on both runs.
    """
    observer = observer or PrintObserver()
    providers = (list(providers) or provider_names()) if raw else []
    use_dagster_home()
    datasets = {raw_dataset(provider) for provider in providers}
    graph = build_definitions(dbt=marts).resolve_asset_graph()
    raw_keys = {key for key in graph.executable_asset_keys if key.path[0] in datasets}
    mart_keys = {key for key in graph.executable_asset_keys if not key.path[0].startswith("raw_")} if marts else set()
    # the photo mirror runs after the publish, in a run of its own: its downloads, paced to the
    # provider's quota, never hold the marts back (the next build shows the copies it made)
    mirror_keys = {key for key in mart_keys if key == MIRROR_KEY}
    mart_keys -= mirror_keys
    if mirrored_photo_sources() == ():  # LISTINGS_MIRROR_PHOTOS=none
        mirror_keys = set()
    report = PipelineRun()
    with dg.DagsterInstance.get() as instance:
        for run_id in fail_dead_runs(instance):
            observer.say(f"# Dagster run {run_id} had died unfinished: marked failed, its pool slots freed")
        tags = {**run_process_tags(), INVOCATION_TAG: uuid.uuid4().hex[:12], **(tags or {})}
        if raw_keys:
            # every provider at once: they wait on HTTP, not on the CPU (the default limit is the core count)
            config = {provider: {"config": {"full_scan": True}} for provider in providers} if full_refresh else {}
            stage_tags = {**tags, STAGE_TAG: "raw"}
            with observer.watching(instance, stage_tags, providers):
                processes = 1 if in_process else len(providers)
                run = execute_assets(instance, raw_keys, config, processes, stage_tags, dbt=False)
            report.run_ids["raw"] = run.run_id
            report.failed_providers = provider_failures(instance, run.run_id, providers)
            loaded = len(providers) - len(report.failed_providers)
            observer.say(f"Dagster run {run.run_id} (raw loads): {loaded} of {len(providers)} providers loaded")
        if mart_keys and (not raw_keys or len(report.failed_providers) < len(providers)):
            config = {DBT_OP: {"config": {"full_refresh": True}}} if full_refresh else {}
            stage_tags = {**tags, STAGE_TAG: "marts"}
            if report.failed_providers:
                stage_tags[FAILED_PROVIDERS_TAG] = ",".join(sorted(report.failed_providers))
            with observer.watching(instance, stage_tags, [DBT_STEP, PUBLISH_STEP, REPORT_STEP]):
                run = execute_assets(instance, mart_keys, config, 1, stage_tags)
            report.run_ids["marts"] = run.run_id
            read_marts_run(instance, run, report)
            state = "published" if report.marts_published else "FAILED"
            observer.say(f"Dagster run {run.run_id} (dbt build and publish): {state}")
            if mirror_keys:
                stage_tags = {**tags, STAGE_TAG: "photos"}
                with observer.watching(instance, stage_tags, [PHOTO_STEP]):
                    run = execute_assets(instance, mirror_keys, {}, 1, stage_tags)
                report.run_ids["photos"] = run.run_id
                read_photos_run(instance, run, report)
                observer.say(f"Dagster run {run.run_id} (photo mirror): {'done' if run.is_success else 'FAILED'}")
        elif mart_keys:
            report.marts_published = False  # nothing new to build from: every provider failed
    return report


def execute_assets(
    instance: dg.DagsterInstance,
    selection: set[dg.AssetKey],
    op_config: dict,
    processes: int,
    tags: dict[str, str],
    dbt: bool = True,
) -> dg.DagsterRun:
    """One Dagster run of ``selection`` and its checks (those of the pipeline-run job: the dbt tests,
    not the freshness checks), recorded in ``instance`` (the UI lists it): in this process when
    ``processes`` is 1, else up to that many step processes at once. Without ``dbt`` (raw loads
    only), the job, and each step process, is built from the raw loads' definitions alone."""
    if processes > 1:
        executor = {"multiprocess": {"max_concurrent": processes, "start_method": step_start_method()}}
    else:
        executor = {"in_process": {}}
    # the console logger's lines are the event log's, which the log file gets whole (screen.RunLog)
    loggers = {"console": {"config": {"log_level": "CRITICAL"}}}
    run_config = {"ops": op_config, "execution": {"config": executor}, "loggers": loggers}
    job = dg.build_reconstructable_job(
        listings_run_job.__module__, listings_run_job.__name__, reconstructable_kwargs={"dbt": dbt}
    )
    result = dg.execute_job(
        job, instance, run_config=run_config, tags=tags, asset_selection=sorted(selection), raise_on_error=False
    )
    return instance.get_run_by_id(result.run_id)


# The environment the fork server of this process started with (see step_start_method)
_forkserver_environment: dict[str, str] | None = None


def step_start_method() -> dict:
    """How the multiprocess executor starts step processes: forked from a server that has imported
    Dagster, dlt and the sources, and built the raw loads' job, once, rather than each step process
    doing it again (seconds each, on every step). The fork server keeps the environment it started
    with and serves every later run of this process, so a later run under another environment (a
    test, or a library caller, that changed the data folder or dlt's settings) spawns its step
    processes instead."""
    global _forkserver_environment
    if _forkserver_environment is None:
        _forkserver_environment = dict(os.environ)
    if _forkserver_environment != dict(os.environ):
        return {"spawn": {}}
    return {"forkserver": {"preload_modules": fork_server_preload()}}


def fork_server_preload() -> list[str]:
    """The modules the step processes' fork server imports before it forks any: the sources, and a
    module whose import builds the raw loads' job, once, for every step process forked after it."""
    sources = sorted({provider.source.partition(":")[0] for provider in PROVIDERS})
    return [f"{__package__}.step_fork_server", *sources]


def provider_failures(instance: dg.DagsterInstance, run_id: str, providers: Sequence[str]) -> dict[str, str]:
    """Provider -> the cause of its failed step in ``run_id`` (the innermost error's message: the
    sources' errors name provider, account, what failed and what to check)."""
    failures = {step: cause for step, cause in step_failures(instance, run_id).items() if step in providers}
    not_run = set(providers) - set(failures) - succeeded_steps(instance, run_id)
    failures.update({provider: "the step did not run (see the run in `listings ui`)" for provider in not_run})
    return failures


def step_failures(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """Step -> the cause of its failure in ``run_id``."""
    return {
        record.dagster_event.step_key: failure_cause(record.dagster_event.step_failure_data.error)
        for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    }


def read_marts_run(instance: dg.DagsterInstance, run: dg.DagsterRun, report: PipelineRun) -> None:
    """Whether a finished marts run published the marts (its publish step succeeded), what failed if
    not, and whether the report after the publish failed."""
    report.marts_published = PUBLISH_STEP in succeeded_steps(instance, run.run_id)
    if not report.marts_published:
        report.marts_failure = marts_failure(instance, run.run_id)
    if (cause := step_failures(instance, run.run_id).get(REPORT_STEP)) is not None:
        report.failed_extras["market report"] = cause


def read_photos_run(instance: dg.DagsterInstance, run: dg.DagsterRun, report: PipelineRun) -> None:
    if not run.is_success:
        cause = step_failures(instance, run.run_id).get(PHOTO_STEP, "the run failed before its step did")
        report.failed_extras["photo mirror"] = cause


def marts_failure(instance: dg.DagsterInstance, run_id: str) -> str:
    """Which step of a failed marts run failed (the dbt build or the publish), and why."""
    failures = step_failures(instance, run_id)
    for step, name in ((DBT_STEP, "dbt build"), (PUBLISH_STEP, "publish")):
        if step in failures:
            return f"{name}: {failures[step]}"
    return "the run failed before its steps did (see the run in `listings ui`)"


def succeeded_steps(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    return {
        record.dagster_event.step_key for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    }


@dataclass
class LastRun:
    """The last ``listings run`` recorded in the instance: when it started, what it did (as far as
    it got), and where its log is."""

    started_at: datetime
    report: PipelineRun
    finished_stages: set[str]
    log: str | None
    providers: list[str] = field(default_factory=list)  # whose loads it ran
    died: bool = False  # its process is gone, its runs unfinished (the next `listings run` marks them failed)

    @property
    def finished(self) -> bool:
        return self.finished_stages == set(self.report.run_ids)

    def provider_result(self, provider: str) -> str:
        """``loaded``, ``FAILED``, ``running``, or ``-`` (not in this run)."""
        if provider in self.report.failed_providers:
            return "FAILED"
        if provider not in self.providers:
            return "-"
        return "loaded" if "raw" in self.finished_stages else "running"


def last_pipeline_run(instance: dg.DagsterInstance) -> LastRun | None:
    """The runs of the last ``listings run`` (those tagged with its invocation), read back into what
    it reported: the providers that failed and why, and whether the marts were published."""
    recent = [
        run
        for run in instance.get_runs(filters=dg.RunsFilter(job_name=PIPELINE_RUN_JOB), limit=20)
        if INVOCATION_TAG in run.tags and PARENT_RUN_TAG not in run.tags
    ]
    if not recent:
        return None
    invocation = recent[0].tags[INVOCATION_TAG]
    runs = {run.tags.get(STAGE_TAG): run for run in recent if run.tags[INVOCATION_TAG] == invocation}
    report, providers = PipelineRun(), []
    if (raw_run := runs.get("raw")) is not None:
        providers = sorted({key.path[0].removeprefix("raw_") for key in raw_run.asset_selection or ()})
        report.run_ids["raw"] = raw_run.run_id
        if raw_run.is_finished:
            report.failed_providers = provider_failures(instance, raw_run.run_id, providers)
    if (marts_run := runs.get("marts")) is not None:
        report.run_ids["marts"] = marts_run.run_id
        if marts_run.is_finished:
            read_marts_run(instance, marts_run, report)
    if (photos_run := runs.get("photos")) is not None:
        report.run_ids["photos"] = photos_run.run_id
        if photos_run.is_finished:
            read_photos_run(instance, photos_run, report)
    first = raw_run or next(iter(runs.values()))
    record = instance.get_run_record_by_id(first.run_id)
    finished = {stage for stage, run in runs.items() if run.is_finished}
    died = (
        len(finished) < len(runs)
        and first.tags.get(RUN_HOST_TAG) == socket.gethostname()
        and not process_alive(int(first.tags.get(RUN_PID_TAG, "0")))
    )
    started_at = record.create_timestamp.astimezone(UTC)
    return LastRun(started_at, report, finished, first.tags.get(LOG_TAG), providers, died)


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
        dead = RUN_PID_TAG in run.tags and not process_alive(int(run.tags[RUN_PID_TAG]))
        if dead and PARENT_RUN_TAG not in run.tags:
            instance.report_run_failed(run, "its `listings run` process died before the run ended")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            ended.append(run.run_id)
    return ended


def unmapped_source_values() -> pd.DataFrame:
    """Provider words and codes the crosswalk does not map yet, with the listings carrying each
    (dbt's ``int_unmapped_source_values``; empty before the first build)."""
    import pandas as pd  # here, not at import: a run's step processes load this module's definitions

    columns = ["source", "provider", "field", "source_value", "listings"]
    warehouse = Warehouse.from_settings()
    if not warehouse.exists():
        return pd.DataFrame(columns=columns)
    with warehouse.lock("read unmapped provider values", read_only=True), warehouse.read() as connection:
        if not table_exists(connection, "intermediate", "int_unmapped_source_values"):  # never built here
            return pd.DataFrame(columns=columns)
        reader = connection.cursor()
        reader.execute(
            f"select {', '.join(columns)} from intermediate.int_unmapped_source_values "
            "order by source, field, listings desc, source_value"
        )
        return pd.DataFrame(reader.fetchall(), columns=columns)


def provider_status(now: datetime | None = None, last_run: LastRun | None = None) -> pd.DataFrame:
    """One row per provider: last committed load, raw counts, cursor, freshness, and how the
    provider fared in ``last_run`` (the last ``listings run``) and why it failed there."""
    import pandas as pd

    now = now or datetime.now(UTC)
    rows = []
    warehouse = Warehouse.from_settings()
    if not warehouse.exists():
        raise SystemExit(f"no warehouse at {warehouse.database} yet: run `listings run` (or `listings demo`) first")
    with warehouse.lock("read load status", read_only=True), warehouse.read() as connection:
        reader = connection.cursor()
        for provider in PROVIDERS:
            dataset = provider.dataset
            last_load, versions, listings = None, 0, 0  # never loaded
            if table_exists(connection, dataset, "listings"):
                reader.execute(
                    f"""select (select max(inserted_at) from {dataset}._dlt_loads where status = 0),
                               count(*) filter (where payload is not null), count(distinct source_listing_id)
                        from {dataset}.listings"""
                )
                last_load, versions, listings = reader.fetchone()
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
                    "last_run": last_run.provider_result(provider.name) if last_run else "-",
                    "last_run_error": last_run.report.failed_providers.get(provider.name) if last_run else None,
                }
            )
    return pd.DataFrame(rows, dtype=object)  # None stays None (JSON null), not NaN


def listings_state(provider: str) -> dict | None:
    """The provider's listings resource state in its local dlt state; None when never run here."""
    try:
        pipeline = dlt.attach(pipeline_name=f"listings_{provider}", pipelines_dir=str(pipelines_dir()))
    except Exception:  # no local state: never run here
        return None
    return pipeline.state.get("sources", {}).get(provider, {}).get("resources", {}).get("listings", {})


def cursor(state: dict | None) -> str:
    """The incremental cursor in a provider's listings state (full-scan providers have none), its
    times as UTC ISO 8601 (Unix seconds too)."""
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
