"""What ``listings run`` knows of its runs while they execute: each step's progress, read from the
Dagster run's event log.

Every step process writes its events to the instance: step starts and ends, the materialisations
(with the scan figures in their metadata), the dbt tests' check results, and the log lines of the
loggers ``orchestration/dagster.yaml`` manages. Those lines are written to be read back: the scans'
progress and summaries (``dlt_sources.common.scan``), the waits before requests
(``dlt_sources.common.http``) and the waits on the warehouse lock. ``RunProgress`` turns them into
one ``StepProgress`` per provider, dbt and the publish; the screen (``orchestration.cli.screen``)
draws those.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dlt_sources.common.http import RequestWait
from dlt_sources.common.scan import ScanProgress, ScanSummary

DBT_STEP = "listings_dbt"  # the op of the one @dbt_assets definition
PUBLISH_STEP = "serving__marts"
REPORT_STEP = "market_report"  # after the publish, in the marts run
PHOTO_STEP = "photos__mirror"  # in a run of its own, after the marts run
# The steps that are not a provider's load, as the screen names them
STAGE_STEP_LABELS = {DBT_STEP: "dbt build", PUBLISH_STEP: "publish", REPORT_STEP: "report", PHOTO_STEP: "photo mirror"}
WAIT_NOTICE_SECONDS = 10.0  # a wait this long gets a line of its own on the screen, not only in the live view

# orchestration/warehouse/lock.py's lines: a wait for one of our locks, and for a process outside the project
_LOCK_WAIT = re.compile(r"^waiting for the (?P<kind>warehouse|pipeline) (?P<name>\S+) \([^)]*\) to (?P<purpose>.+)$")
_OUTSIDE_HOLDER_WAIT = re.compile(r"^(?P<wait>waiting to .+?: .+? holds the warehouse \S+ open)")
_POOL_BLOCKED = re.compile(r"^Step (?:still )?blocked by limit for pool (?P<pool>\S+)")
_PUBLISHED = re.compile(r"^published (?P<rows>\d+) rows of (?P<marts>\d+) marts to (?P<path>.+)$")
_DBT_ERRORS = "Errors parsed from dbt logs:"
_STEP_UNDER_WAY = {
    dg.DagsterEventType.ENGINE_EVENT,
    dg.DagsterEventType.STEP_WORKER_STARTING,
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_FAILURE,
}


@dataclass
class StepProgress:
    """One step of a ``listings run``: a provider's load, the dbt build or the publish."""

    key: str
    state: str = "queued"  # queued, starting, running, succeeded, failed, skipped
    started_at: float | None = None  # its first event once under way (waiting for a pool, say)
    finished_at: float | None = None
    wait: str | None = None  # what it waits for now
    wait_since: float | None = None
    wait_until: float | None = None  # when a wait of known length ends (a retry's)
    wait_noticed: bool = False
    waited_s: float = 0.0  # in every wait so far: pools, locks, retries, pacing
    cause: str | None = None  # why it failed
    # a provider's: each account's listings scan, as its last progress line and its summary said
    scans: dict[str, tuple[ScanProgress, float]] = field(default_factory=dict)
    summaries: dict[str, ScanSummary] = field(default_factory=dict)
    retries: int = 0  # counted from the retry lines until the metadata gives the figures
    responses_429: int = 0
    metadata: dict[str, float] = field(default_factory=dict)  # the listings materialisation's figures
    # dbt's and the publish's
    planned: int = 0  # models and seeds
    built: int = 0
    planned_tests: int = 0
    tested: int = 0
    tests_failed: int = 0
    published: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("succeeded", "failed", "skipped")

    @property
    def is_provider(self) -> bool:
        return self.key not in STAGE_STEP_LABELS

    @property
    def label(self) -> str:
        return STAGE_STEP_LABELS.get(self.key, self.key)

    def _scan_figure(self, name: str) -> int:
        """A figure summed over accounts: each finished scan's summary, else its last progress line."""
        done = sum(getattr(summary, name) for summary in self.summaries.values())
        going = sum(getattr(scan, name) for account, (scan, _) in self.scans.items() if account not in self.summaries)
        return done + going

    @property
    def pages(self) -> int:
        return self._scan_figure("pages")

    @property
    def listings(self) -> int:
        return self._scan_figure("records")

    def figure(self, name: str) -> int | float:
        """``new``, ``changed``, ``removed`` (listings), ``requests``, ``responses_429``, ``retries`` and
        ``retry_wait_s``: from the step's metadata once it has them, else from its log lines so far."""
        if f"listings_{name}" in self.metadata:
            return int(self.metadata[f"listings_{name}"])
        if name == "removed":  # known when a scan ends
            return sum(summary.removed for summary in self.summaries.values())
        if name in ("new", "changed"):
            return self._scan_figure(name)
        if name in self.metadata:
            return self.metadata[name]
        return {"responses_429": self.responses_429, "retries": self.retries}.get(name, 0)

    def expected(self) -> int | None:
        """Listings the scans cover when every account's scan so far knows it (None otherwise)."""
        if not self.scans or any(scan.expected is None for scan, _ in self.scans.values()):
            return None
        return sum(scan.expected for scan, _ in self.scans.values())  # type: ignore[misc]

    def eta_s(self, now: float) -> float | None:
        """Seconds to go of the scan under way, at its pace so far; None when its size is unknown."""
        going = [(scan, at) for account, (scan, at) in self.scans.items() if account not in self.summaries]
        if not going or self.finished:
            return None
        scan, at = max(going, key=lambda item: item[1])
        return None if scan.eta_s is None else max(scan.eta_s - (now - at), 0.0)

    def duration_s(self, now: float) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or now) - self.started_at

    def wait_text(self, now: float) -> str | None:
        if self.wait is None:
            return None
        if self.wait_until is not None:
            return f"{self.wait} (in {max(self.wait_until - now, 0):.0f} s)"
        return f"{self.wait} ({now - (self.wait_since or now):.0f} s so far)"


class RunProgress:
    """Every step of the runs one ``listings run`` makes, updated from their event log entries
    (``observe``); thread-safe, so that a poller can feed it while the screen draws it.

    ``say`` gets the lines worth a line of their own: each step as it ends, and a wait once it has
    lasted ``WAIT_NOTICE_SECONDS``. ``holder_of`` names who holds a lock ("the warehouse
    warehouse.duckdb", "pool warehouse_writer"), when it can tell."""

    def __init__(
        self,
        steps: Iterable[str] = (),
        say: Callable[[str], None] = print,
        holder_of: Callable[[str], str | None] = lambda lock: None,
    ) -> None:
        self.steps: dict[str, StepProgress] = {key: StepProgress(key) for key in steps}
        self.say, self.holder_of = say, holder_of
        self.step_pids: dict[int, str] = {}  # step processes, to name a lock's holder
        self.lock = threading.RLock()

    def expect(self, steps: Iterable[str]) -> None:
        """Steps a run is about to execute, shown queued until it starts them."""
        with self.lock:
            for key in steps:
                self.steps.setdefault(key, StepProgress(key))

    def observe(self, entry: dg.EventLogEntry) -> None:
        step_key = entry.step_key
        if step_key is None:
            return
        with self.lock:
            step = self.steps.get(step_key)
            if step is None:  # a step `listings run` does not show (none today)
                return
            event = entry.dagster_event
            if event is None:
                self._observe_log(step, entry.user_message, entry.timestamp)
            else:
                self._observe_event(step, entry, event)

    def tick(self, now: float | None = None) -> None:
        """Say which waits have lasted long enough to be worth a line."""
        now = time.time() if now is None else now
        with self.lock:
            for step in self.steps.values():
                if (
                    step.wait is not None
                    and step.wait_until is None
                    and not step.wait_noticed
                    and now - (step.wait_since or now) >= WAIT_NOTICE_SECONDS
                ):
                    step.wait_noticed = True
                    self.say(f"  {step.label:<13} {step.wait_text(now)}")

    # ---- entries -----------------------------------------------------------------------------------
    def _observe_event(self, step: StepProgress, entry: dg.EventLogEntry, event: dg.DagsterEvent) -> None:
        kind, at = event.event_type, entry.timestamp
        if kind in _STEP_UNDER_WAY and step.started_at is None:
            step.started_at = at  # its time counts from here: a wait for a pool or a process is part of it
        if kind == dg.DagsterEventType.ENGINE_EVENT:
            if match := _POOL_BLOCKED.match(event.message or ""):
                pool = match["pool"]
                holder = self.holder_of(f"pool {pool}")
                self._wait(step, f"waiting for pool {pool}" + (f" held by {holder}" if holder else ""), at)
            return
        if kind == dg.DagsterEventType.STEP_WORKER_STARTING:
            self._end_wait(step, at)
            step.state = "starting"
        elif kind == dg.DagsterEventType.STEP_START:
            self._end_wait(step, at)
            step.state = "running"
            if event.pid is not None:
                self.step_pids[event.pid] = step.label
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            step.planned += 1
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
            step.planned_tests += 1
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            self._end_wait(step, at)
            step.built += 1
            materialization = entry.asset_materialization
            if materialization is not None and materialization.asset_key.path[-1].endswith("_listings"):
                step.metadata = {
                    name: value.value
                    for name, value in materialization.metadata.items()
                    if isinstance(value.value, int | float) and not isinstance(value.value, bool)
                }
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            step.tested += 1
            evaluation = entry.asset_check_evaluation
            step.tests_failed += int(evaluation is not None and not evaluation.passed)
        elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            self._end_wait(step, at)
            step.finished_at = at
            if kind == dg.DagsterEventType.STEP_SUCCESS:
                step.state = "succeeded"
            else:
                step.state, step.cause = "failed", failure_cause(event.step_failure_data.error)
            self.say(step_line(step, at))
        elif kind == dg.DagsterEventType.STEP_SKIPPED:
            step.state = "skipped"
            self.say(step_line(step, at))

    def _observe_log(self, step: StepProgress, message: str, at: float) -> None:
        if (progress := ScanProgress.parse(message)) is not None:
            self._end_wait(step, at)
            if progress.lookup is None:
                step.scans[progress.account_id] = (progress, at)
        elif (parsed := ScanSummary.parse(message)) is not None:
            self._end_wait(step, at)
            summary, lookup = parsed
            if lookup is None:
                step.summaries[summary.account_id] = summary
        elif (wait := RequestWait.parse(message)) is not None:
            self._end_wait(step, at)
            if wait.is_retry:
                step.retries += 1
                step.responses_429 += int(wait.after_429)
                self._wait(step, f"retrying {wait.what}, {wait.reason}", at, wait.seconds)
            else:
                self._wait(step, f"paced to {wait.what}", at, wait.seconds)
        elif match := _LOCK_WAIT.match(message):
            holder = self.holder_of(f"the {match['kind']} {match['name']}") or "another process"
            lock = "the warehouse lock" if match["kind"] == "warehouse" else f"the {match['name']} pipeline lock"
            self._wait(step, f"waiting for {lock} held by {holder} (to {match['purpose']})", at)
        elif match := _OUTSIDE_HOLDER_WAIT.match(message):  # said again every 10 s: one wait
            self._wait(step, match["wait"], at)
        elif match := _PUBLISHED.match(message):
            step.published = f"{match['rows']} rows of {match['marts']} marts to {match['path']}"

    def _wait(self, step: StepProgress, what: str, at: float, seconds: float | None = None) -> None:
        if step.wait == what and seconds is None:
            return  # the same wait, said again
        self._end_wait(step, at)
        step.wait, step.wait_since, step.wait_noticed = what, at, False
        step.wait_until = at + seconds if seconds is not None else None

    def _end_wait(self, step: StepProgress, at: float) -> None:
        if step.wait is None:
            return
        end = min(at, step.wait_until) if step.wait_until is not None else at
        step.waited_s += max(end - (step.wait_since or at), 0.0)
        step.wait = step.wait_since = step.wait_until = None


def failure_cause(error: object) -> str:
    """What a failed step's error says went wrong, in a line: the innermost error's last line (the
    sources' errors name provider, account, what failed and what to check); for dbt, the errors dbt
    logged (which model or test, and why)."""
    while error is not None and getattr(error, "cause", None) is not None:
        error = error.cause
    message = (getattr(error, "message", "") or "").strip()
    if _DBT_ERRORS in message and (cause := dbt_cause(message.split(_DBT_ERRORS, 1)[1])):
        return cause
    last = message.splitlines()[-1] if message else "the step failed"
    return re.sub(r"^(?:\w+\.)+(?=\w+: )", "", last)  # the error's class without its module


def dbt_cause(errors: str) -> str | None:
    """The first node dbt failed on and why (``Failure in model x (path)``, then its error's first
    line), and how many failed; None when dbt named no node."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", errors).splitlines()]
    lines = [line for line in lines if line and not re.match(r"\d+ of \d+ ", line)]  # progress lines
    failures = [number for number, line in enumerate(lines) if line.startswith("Failure in ")]
    if not failures:
        return "; ".join(lines[:2]) or None
    first = failures[0]
    details = [line for line in lines[first + 1 :] if not line.startswith("Failure in ")]
    # "Runtime Error in model x (path)" repeats the node: the line after it says what went wrong
    reason = next((line for line in details if not re.match(r"\w+ Error in ", line)), "")
    node = lines[first].removeprefix("Failure in ")
    count = f"{len(failures)} dbt nodes failed, the first: " if len(failures) > 1 else ""
    return f"{count}{node}: {reason}".rstrip(": ")


def step_line(step: StepProgress, now: float) -> str:
    """A step's line when it ends (and its row's text in the live view while it runs)."""
    took = f"; {step.duration_s(now):.1f} s" if step.duration_s(now) is not None else ""
    if step.state == "failed":
        return f"  {step.label:<13} FAILED{took} (the cause is at the end)"
    if step.state == "skipped":
        return f"  {step.label:<13} skipped: an upstream step failed"
    if step.key == DBT_STEP:
        return f"  {step.label:<13} {dbt_figures(step)}{took}"
    if step.key == PUBLISH_STEP:
        return f"  {step.label:<13} {step.published or 'published'}{took}"
    if not step.is_provider:
        return f"  {step.label:<13} done{took}"
    return f"  {step.label:<13} {provider_figures(step)}{took}"


def provider_figures(step: StepProgress) -> str:
    figures = (
        f"{step.listings} listings ({step.figure('new')} new, {step.figure('changed')} changed, "
        f"{step.figure('removed')} removed), {step.pages} pages"
    )
    if "requests" in step.metadata:
        figures += f", {step.figure('requests'):.0f} requests"
    figures += f", {step.figure('responses_429'):.0f} answered 429, {step.figure('retries'):.0f} retries"
    return figures + (f", {step.waited_s:.0f} s waiting" if step.waited_s >= 1 else "")


def dbt_figures(step: StepProgress) -> str:
    tests = f"{step.tested}/{step.planned_tests} tests"
    failed = f" ({step.tests_failed} failed)" if step.tests_failed else ""
    return f"{step.built}/{step.planned} models and seeds built, {tests} run{failed}"


# ---- who holds a lock --------------------------------------------------------------------------------
def flock_holder(lock_file: Path) -> int | None:
    """The process holding an OS file lock (flock) on ``lock_file``, from ``/proc/locks`` (Linux);
    None when none does, or where the system does not say."""
    try:
        status = os.stat(lock_file)
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    file_id = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4242 00:2f:1234 0 EOF"; a waiter's line has "->" after the number
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == file_id:
            return int(fields[4])
    return None


def describe_process(pid: int, step_pids: dict[int, str]) -> str:
    """A lock holder by name: one of this run's steps, else its PID and program."""
    if pid in step_pids:
        return f"the {step_pids[pid]} step"
    try:
        program = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        command = " ".join(part.decode(errors="replace") for part in program[:3] if part)
    except OSError:
        command = ""
    return f"PID {pid} ({command})" if command else f"PID {pid}"
