"""``listings demo``: the whole pipeline against the sandbox, one Dagster run per simulated day.

Runs are recorded in a persistent Dagster instance under the data folder, so ``make dev`` shows
them afterwards in the UI.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TextIO

import dagster as dg
import duckdb

from listings_sandbox import HOSTS, Sandbox, SandboxConfig
from orchestration.cli.instance import dagster_home
from orchestration.cli.runs import LOG_TAG, run_pipeline
from orchestration.cli.screen import RunLog, RunScreen
from orchestration.defs.report import report_page_path
from orchestration.platform.environment import environment
from orchestration.registry import PROVIDERS, provider_names
from orchestration.settings import (
    DATA_DIR_ENV,
    WAREHOUSE_PATH_ENV,
    data_dir,
    pipelines_dir,
    serving_path,
    warehouse_path,
)

# Simulated time runs fast: a provider's quota keeps its requests, but in a tenth of its window (20
# requests a minute become 20 per 6 s), and a client told the quota paces to it (at a real quota of 20
# a minute, a full scan of 200 listings takes a minute).
QUOTA_WINDOW_SCALE = 0.1


def demo_sandbox_config(seed: int) -> SandboxConfig:
    defaults, options = SandboxConfig(seed=seed), {}
    for host in HOSTS:
        if (quota := getattr(defaults.host_options(host), "rate_limit", None)) is not None:
            requests, window = quota
            options[host] = {"rate_limit": (requests, window * QUOTA_WINDOW_SCALE)}
    return SandboxConfig(seed=seed, options=options)


# Each simulated day is a nightly run: sources whose other runs read only recent updates make their
# reconciliation (full) scan every time, as the nightly schedule will.
NIGHTLY = {f"SOURCES__{p.name.upper()}__RECONCILE_EVERY_HOURS": "0" for p in PROVIDERS if p.reconcile_cron}
# A first mirror of every AvaroAI photo takes minutes at its quota: a demo day copies what 20 s allow
# (the photo mirror's own run, after the publish), and the next day goes on from there
DEMO_SETTINGS = {**NIGHTLY, "PHOTOS__DOWNLOAD_BUDGET_SECONDS": "20"}


def fresh_warehouse() -> Path:
    """The demo starts from an empty warehouse and dlt state, and so only ever touches its own."""
    if os.environ.get(WAREHOUSE_PATH_ENV):
        raise SystemExit(
            f"the demo rebuilds its own warehouse from scratch in the data folder; unset "
            f"{WAREHOUSE_PATH_ENV} to run it (it never touches a configured warehouse)"
        )
    warehouse = warehouse_path()
    for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(pipelines_dir(), ignore_errors=True)
    return warehouse


def demo_record() -> Path:
    """What the last demo in the data folder ran: its seed and the simulated day it ended on."""
    return data_dir() / "demo.json"


@contextmanager
def sandbox_as_the_demo_left_it() -> Iterator[dict[str, str]]:
    """The last demo's sandbox again, at the simulated day the demo ended on, and the dlt
    configuration (environment variables) that points the sources at it: a run launched from the UI
    after the demo reads the same providers the demo read (``listings ui --sandbox``)."""
    record = demo_record()
    if not record.exists():
        raise SystemExit(f"no demo has run in {data_dir()} (no {record.name}): run `listings demo` first")
    demo = json.loads(record.read_text())
    with Sandbox(demo_sandbox_config(demo["seed"])) as sandbox:
        for _ in range(demo["last_day"]):
            sandbox.advance_day()
        yield {**sandbox.dlt_environment(), **DEMO_SETTINGS}


class DayScreen:
    """What a demo day shows of its ``listings run``: the live view on a terminal while its runs go
    (``run_pipeline``'s own lines go to the log only), then one line for the day."""

    def __init__(self, screen: RunScreen) -> None:
        self.screen = screen

    def say(self, text: str) -> None:
        self.screen.log_only(text)

    def watching(
        self, instance: dg.DagsterInstance, tags: dict[str, str], steps: Iterable[str]
    ) -> AbstractContextManager[None]:
        return self.screen.watching(instance, tags, steps)


def run_day(day: int, log: RunLog, terminal: TextIO) -> str:
    """One simulated day's ``listings run --in-process`` of every provider, then the marts; its line.
    In process: every step in this one, one after another, takes half the time a process per step
    takes at the demo's size (the step processes' start-up outweighs the work)."""
    started = time.perf_counter()
    screen = RunScreen(log, terminal, step_lines=False)
    try:
        report = run_pipeline(
            in_process=True, observer=DayScreen(screen), tags={"listings/demo_day": str(day), LOG_TAG: str(log.path)}
        )
    finally:
        screen.finish(summary=False)
    loaded = len(provider_names()) - len(report.failed_providers)
    line = (
        f"day {day}: {loaded} of {len(provider_names())} providers loaded, marts "
        f"{'published' if report.marts_published else 'NOT published'} in {time.perf_counter() - started:.1f}s"
    )
    if report.outcome != "succeeded":
        failed = {**report.failed_providers, **report.failed_extras}
        causes = "; ".join(f"{what}: {cause}" for what, cause in sorted(failed.items()))
        raise SystemExit(f"{line}\ndemo run failed: {causes or report.marts_failure}; see {log.path}")
    return line


def run(days: int = 3, seed: int = 7, data_folder: Path | None = None) -> None:
    """Load, then (advance a day, load) ``days - 1`` times; print a summary."""
    with environment({DATA_DIR_ENV: str(data_folder.resolve())} if data_folder else {}):
        _run(days, seed)


def _run(days: int, seed: int) -> None:
    warehouse = fresh_warehouse()
    log = RunLog(data_dir() / "logs")
    try:
        with (
            Sandbox(demo_sandbox_config(seed)) as sandbox,
            environment({**sandbox.dlt_environment(), **DEMO_SETTINGS, "DAGSTER_HOME": dagster_home()}),
            log.capturing() as terminal,
        ):
            say = RunScreen(log, terminal).say
            say(
                f"sandbox up: {len(sandbox.servers)} provider hosts on 127.0.0.1, simulated day 0 "
                f"(quota windows compressed to {QUOTA_WINDOW_SCALE:.0%} of a minute); full log: {log.path}"
            )
            for day in range(days):
                if day:
                    changes = sandbox.advance_day()["changes"]
                    say(
                        f"advanced to simulated day {day}: "
                        + ", ".join(f"{host} {sum(kinds.values())} changes" for host, kinds in changes.items())
                    )
                say(run_day(day, log, terminal))
            requests_served = {provider: sandbox.stats(provider) for provider in provider_names()}
    finally:
        log.close()
    demo_record().write_text(json.dumps({"seed": seed, "last_day": days - 1}))
    for provider, stats in requests_served.items():
        print(
            f"  {provider}: {stats.get('requests', 0)} requests to the sandbox, "
            f"{stats.get('status_429', 0)} answered 429"
        )
    print_summary(str(warehouse))


def print_summary(warehouse: str) -> None:
    with duckdb.connect(warehouse, read_only=True) as con:
        per_source = con.execute("""
            select source, count(*), count(*) filter (where is_available), count(*) filter (where status = 'removed')
            from marts.listings group by 1 order by 1
        """).fetchall()
        events = dict(con.execute("select event_type, count(*) from marts.listing_events group by 1").fetchall())
        raw_versions = {
            provider: con.execute(
                "select count(*) filter (where payload is not null), count(distinct source_listing_id), "
                f"count(*) filter (where is_removal) from raw_{provider}.listings"
            ).fetchone()
            for provider in provider_names()
        }
    print("\nSummary")
    for source, listings, available, removed in per_source:
        print(f"  {source:<14} {listings:>6} listings in marts.listings ({available} available, {removed} removed)")
    for provider, (versions, listings, removals) in raw_versions.items():
        print(f"  raw_{provider}.listings: {versions} payload versions of {listings} listings, {removals} removals")
    print(
        "  marts.listing_events: "
        + ", ".join(
            f"{events.get(kind, 0)} {kind}"
            for kind in ("already_listed", "new_listing", "price_change", "status_change", "removed", "back_on_market")
        )
    )
    print(f"  warehouse:    {warehouse}")
    print(f"  serving file: {serving_path()}  (what analysts and BI tools open)")
    print(f"  market report: {report_page_path()}  (charts and tables per city and week; `listings report` redraws it)")
    print("  Dagster UI:   listings ui --sandbox   (http://127.0.0.1:3000: the demo's runs; jobs run on its sandbox)")
    print(
        '  query:        .venv/bin/python -c "from orchestration.analyst import example; '
        "print(example('median_price_per_sqm_by_city'))\""
    )
