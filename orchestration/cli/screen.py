"""``listings run``'s screen and its log file.

The screen is short: on a terminal, a live table of the steps (rich), with each step's line printed
above it as the step ends; elsewhere (CI, a pipe), only those lines. Both end with a summary table.
Everything else (every event of the Dagster runs, dbt's output, the step processes' own output)
goes to a log file under the data folder, whose path the first line gives.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import dagster as dg
from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from orchestration.cli.progress import (
    DBT_STEP,
    PUBLISH_STEP,
    RunProgress,
    StepProgress,
    dbt_figures,
    describe_process,
    flock_holder,
)
from orchestration.settings import pipelines_dir, warehouse_path

KEEP_RUN_LOGS = 100  # the oldest run logs beyond this many are removed
POLL_SECONDS = 0.5


class RunLog:
    """A run's log file: every event of its Dagster runs, and whatever its processes write to stdout
    and stderr while ``capturing`` (dbt's output, Dagster's and dlt's own logging)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.path = folder / f"run-{stamp}.log"
        suffix = 1
        while self.path.exists():
            suffix += 1
            self.path = folder / f"run-{stamp}-{suffix}.log"
        self._file = self.path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()
        for old in sorted(folder.glob("run-*.log"))[:-KEEP_RUN_LOGS]:
            old.unlink(missing_ok=True)

    def write(self, text: str) -> None:
        with self._lock:
            self._file.write(text.rstrip("\n") + "\n")

    def write_event(self, entry: dg.EventLogEntry) -> None:
        at = datetime.fromtimestamp(entry.timestamp, UTC).isoformat(timespec="milliseconds")
        event = entry.dagster_event
        kind = event.event_type_value if event else logging_level(entry.level)
        text = f"{at} {entry.run_id[:8]} {entry.step_key or '-'} {kind}: {entry.user_message}"
        if event is not None and event.event_type == dg.DagsterEventType.STEP_FAILURE:
            text += "\n" + event.step_failure_data.error.to_string()
        if (materialization := entry.asset_materialization) is not None:
            figures = {
                name: value.value
                for name, value in materialization.metadata.items()
                if isinstance(value.value, int | float | str) and len(str(value.value)) < 200
            }
            text += f" {figures}"
        self.write(text)

    @contextmanager
    def capturing(self) -> Iterator[IO[str]]:
        """Send this process's stdout and stderr to the log, and every process it starts (Dagster's
        step processes inherit them, and dbt theirs), for the block; yields a stream to the screen."""
        sys.stdout.flush()
        sys.stderr.flush()
        screen, own_screen = sys.stdout, False
        with suppress(AttributeError, OSError, ValueError):  # (a test's captured stdout has no descriptor)
            screen = open(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)  # noqa: SIM115
            own_screen = True
        saved = {}
        for descriptor in (1, 2):
            with suppress(OSError):
                saved[descriptor] = os.dup(descriptor)
                os.dup2(self._file.fileno(), descriptor)
        streams = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self._file
        try:
            yield screen
        finally:
            sys.stdout, sys.stderr = streams
            self._file.flush()
            for descriptor, copy in saved.items():
                os.dup2(copy, descriptor)
                os.close(copy)
            if own_screen:
                screen.close()

    def close(self) -> None:
        self._file.close()


def logging_level(level: str | int) -> str:
    return logging.getLevelName(level) if isinstance(level, int) else str(level)


class RunScreen:
    """What ``run_pipeline`` reports to: lines for the screen (``say``), and the Dagster runs to
    watch (``watching``), whose events feed the live view and the log file."""

    def __init__(self, log: RunLog, screen: IO[str], step_lines: bool = True) -> None:
        """``step_lines``: a line on the screen as each step ends (else in the log only; the live
        view still shows every step on a terminal)."""
        self.log = log
        self.console = Console(file=screen, highlight=False, soft_wrap=True)
        self.live = self.console.is_terminal
        if not self.live:  # stable lines: no colours, no wrapping at a guessed width
            self.console = Console(file=screen, highlight=False, soft_wrap=True, no_color=True, width=200)
        self.progress = RunProgress(say=self.say if step_lines else self.log_only, holder_of=self._holder_of)
        self._live: Live | None = None
        self.watch_instance: dg.DagsterInstance | None = None  # the watcher thread's own
        self.own_run_ids: set[str] = set()

    # ---- what run_pipeline calls -------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.log.write(f"# {text}")
        target = self._live.console if self._live is not None else self.console
        target.print(Text(text), soft_wrap=True)

    def log_only(self, text: str) -> None:
        """A line for the log file, not the screen."""
        self.log.write(f"# {text}")

    @contextmanager
    def watching(self, instance: dg.DagsterInstance, tags: dict[str, str], steps: Iterable[str]) -> Iterator[None]:
        """Watch the run tagged ``tags`` (it is created inside the block) until the block ends."""
        self.progress.expect(steps)
        watcher = RunWatcher(instance, tags, self)
        if self.live and self._live is None:
            self._live = Live(
                console=self.console,
                get_renderable=self.live_view,
                refresh_per_second=4,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        watcher.start()
        try:
            yield
        finally:
            watcher.stop()

    # ---- the end -----------------------------------------------------------------------------------
    def finish(self, summary: bool = True) -> None:
        """Stop the live view and print the summary table (unless not ``summary``)."""
        if self._live is not None:
            self._live.stop()
            self._live = None
        if not summary:
            return
        with self.progress.lock:
            providers = [step for step in self.progress.steps.values() if step.is_provider]
            if providers:
                self.console.print(summary_table(providers, time.time()))

    # ---- drawing -----------------------------------------------------------------------------------
    def live_view(self) -> Group:
        now = time.time()
        with self.progress.lock:
            steps = list(self.progress.steps.values())
            providers = [step for step in steps if step.is_provider]
            parts = [live_table(providers, now)] if providers else []
            for step in steps:
                if not step.is_provider and not step.finished:
                    parts.append(Text(f"  {step.label:<13} {live_state(step, now)}", no_wrap=True, overflow="ellipsis"))
        parts.append(Text(f"  full log: {self.log.path}", style="dim"))
        return Group(*parts)

    def _holder_of(self, lock: str) -> str | None:
        """Who holds ``lock``: a pool's slot (its run and step), or a lock file (its process)."""
        if lock.startswith("pool "):
            if self.watch_instance is None:
                return None
            slots = self.watch_instance.event_log_storage.get_concurrency_info(lock.removeprefix("pool ")).claimed_slots
            return (
                ", ".join(
                    f"the {slot.step_key} step"
                    + ("" if slot.run_id in self.own_run_ids else f" of run {slot.run_id[:8]}")
                    for slot in slots
                )
                or None
            )
        what, _, name = lock.removeprefix("the ").partition(" ")
        lock_file = Path(f"{warehouse_path()}.lock") if what == "warehouse" else pipelines_dir() / f"{name}.run.lock"
        pid = flock_holder(lock_file)
        return None if pid is None else describe_process(pid, self.progress.step_pids)


class RunWatcher:
    """Reads the event log of the run tagged ``tags``, in a thread, while ``execute_job`` runs it in
    this one: each entry goes to the log file and the progress."""

    def __init__(self, instance: dg.DagsterInstance, tags: dict[str, str], screen: RunScreen) -> None:
        self.instance_ref, self.tags, self.screen = instance.get_ref(), tags, screen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="listings-run-watcher", daemon=True)
        self._run_id: str | None = None
        self._cursor: str | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with dg.DagsterInstance.from_ref(self.instance_ref) as instance:
            self.screen.watch_instance = instance
            while not self._stop.wait(POLL_SECONDS):
                self._poll(instance)
            self._poll(instance)  # what the run wrote last
            self.screen.watch_instance = None

    def _poll(self, instance: dg.DagsterInstance) -> None:
        try:
            if self._run_id is None:
                runs = instance.get_runs(filters=dg.RunsFilter(tags=self.tags), limit=1)
                if not runs:
                    return
                self._run_id = runs[0].run_id
                self.screen.own_run_ids.add(self._run_id)
            while True:
                page = instance.get_records_for_run(self._run_id, cursor=self._cursor, limit=1000)
                for record in page.records:
                    self.screen.log.write_event(record.event_log_entry)
                    self.screen.progress.observe(record.event_log_entry)
                self._cursor = page.cursor
                if not page.has_more:
                    break
            self.screen.progress.tick()
        except Exception as error:  # the view is a courtesy: the run goes on, and its events stay in the instance
            self.screen.log.write(f"# the live view could not read the run's events: {error!r}")


# ---- tables ----------------------------------------------------------------------------------------
FIGURES = ("pages", "listings", "new", "changed", "removed", "429s", "retries")


def _figures(step: StepProgress) -> list[str]:
    if step.state in ("queued", "starting") and not step.scans:
        return [""] * len(FIGURES)
    return [
        str(step.pages),
        str(step.listings),
        str(step.figure("new")),
        str(step.figure("changed")),
        str(step.figure("removed")),
        f"{step.figure('responses_429'):.0f}",
        f"{step.figure('retries'):.0f}",
    ]


def live_state(step: StepProgress, now: float) -> str:
    if step.wait is not None:
        return step.wait_text(now) or ""
    if step.key == DBT_STEP and step.state == "running":
        return f"building: {dbt_figures(step)}"
    if step.key == PUBLISH_STEP and step.state == "running":
        return "publishing the marts"
    if step.state == "running" and step.is_provider:
        accounts = [account for account in step.scans if account not in step.summaries]
        return f"scanning account {accounts[-1]}" if accounts else "running"
    return step.state


def live_table(providers: list[StepProgress], now: float) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("provider")
    for name in FIGURES:
        table.add_column(name, justify="right")
    table.add_column("ETA", justify="right")
    table.add_column("state", no_wrap=True, overflow="ellipsis")  # one line per provider
    for step in providers:
        eta = step.eta_s(now)
        expected = step.expected()
        figures = _figures(step)
        if expected is not None and not step.finished:
            figures[1] = f"{step.listings}/{expected}"
        table.add_row(
            step.label,
            *figures,
            _duration(eta) if eta is not None else "",
            Text(live_state(step, now), style="red" if step.state == "failed" else ""),
        )
    return table


def summary_table(providers: list[StepProgress], now: float) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("provider")
    table.add_column("result")
    for name in FIGURES:
        table.add_column(name, justify="right")
    table.add_column("waited", justify="right")
    table.add_column("time", justify="right")
    for step in providers:
        result = {"succeeded": "loaded", "failed": "FAILED"}.get(step.state, step.state)
        took = step.duration_s(now)
        table.add_row(
            step.label,
            Text(result, style="bold red" if step.state == "failed" else ""),
            *_figures(step),
            _duration(step.waited_s),
            _duration(took) if took is not None else "",
        )
    return table


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 or seconds == 0 else f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"
