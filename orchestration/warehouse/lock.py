"""One process at a time in the DuckDB warehouse file.

DuckDB lets one process open a database file for writing, and a reader cannot open it while a
writer holds it. Every step that opens the warehouse (a dlt state restore, the change-detection
read, a dlt load, a dbt build, a publish) holds this lock for just that span; HTTP extraction runs
outside it, so providers extract in parallel and only their loads queue. The lock is an OS file
lock (flock) beside the database: released when its holder exits, even on SIGKILL, so a crashed
run never leaves the warehouse locked. Analysts never take it: they read the published serving
file (see ``orchestration.warehouse.publish``).

Processes the project did not start may hold the file too: a hand-run ``dbt docs generate``, the
DuckDB CLI, a notebook. They never take our lock, and DuckDB's own lock would fail the next load
with an error dlt words as a credentials problem. So once it holds our lock, a writer also waits
until DuckDB itself lets it open the file, naming the file and (where DuckDB reports it) the
holder's PID, again every ``OUTSIDE_HOLDER_REPORT_SECONDS``, within the same timeout.
(``listings dbt`` runs hand-run dbt under our lock, so it queues with the pipeline instead.)

DuckDB-specific: other destinations take their own locks, and the lock is then a no-op.

A second lock, per pipeline, spans a whole raw load: two runs of one provider (a routine load and
its reconciliation, or a run from the CLI beside one from the UI) would share dlt's local state
and change detection (dlt#1102), so the second waits for the first.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import dlt
import duckdb
from filelock import FileLock, Timeout

logger = logging.getLogger(__name__)

LOCK_TIMEOUT_ENV = "LISTINGS_WAREHOUSE_LOCK_TIMEOUT"
# A load or a dbt build that holds the warehouse longer than this is stuck, not slow.
DEFAULT_LOCK_TIMEOUT_SECONDS = 2 * 3600.0
OUTSIDE_HOLDER_REPORT_SECONDS = 10.0  # how often a wait on an outside holder says so again
_OUTSIDE_HOLDER_POLL_SECONDS = 0.5


@contextmanager
def warehouse_lock(
    database: str | Path, purpose: str, read_only: bool = False, timeout: float | None = None
) -> Iterator[None]:
    """Hold the warehouse for ``purpose`` (named in the log while others wait for it), once no
    process outside the project keeps DuckDB from opening the file either: from writing to it, or,
    for a ``read_only`` purpose, from reading it (outside readers do not stop a reader). ``timeout``
    defaults to LISTINGS_WAREHOUSE_LOCK_TIMEOUT's seconds (the warehouse resource passes its own)."""
    timeout = lock_timeout() if timeout is None else timeout
    started = time.monotonic()
    with _exclusive(Path(f"{database}.lock"), f"the warehouse {Path(database).name}", purpose, timeout):
        wait_for_outside_holders(Path(database), purpose, started + timeout, read_only)
        yield


def lock_timeout() -> float:
    return float(os.environ.get(LOCK_TIMEOUT_ENV) or DEFAULT_LOCK_TIMEOUT_SECONDS)


def duckdb_lock_holder(database: Path, read_only: bool = False) -> str | None:
    """Who holds DuckDB's own lock on ``database`` ("PID 1234", or "another process" where DuckDB
    does not say), or None when this process can open it now (for reading, when ``read_only``)."""
    try:
        duckdb.connect(str(database), read_only=read_only).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(error))
        return f"PID {holder.group(2)} ({holder.group(1)})" if holder else "another process"
    except duckdb.ConnectionException:  # this process has it open with other settings: not an outside holder
        return None
    return None


def wait_for_outside_holders(database: Path, purpose: str, deadline: float, read_only: bool = False) -> None:
    """Wait, saying so, until no other process holds DuckDB's lock on ``database`` against us."""
    reported_at, started = None, time.monotonic()
    while (holder := duckdb_lock_holder(database, read_only)) is not None:
        now = time.monotonic()
        if now >= deadline:
            raise TimeoutError(
                f"the warehouse {database} stayed open in {holder} for {now - started:.0f} s; close that "
                f"process (a notebook, the DuckDB CLI, a hand-run dbt: use `listings dbt`), or set "
                f"{LOCK_TIMEOUT_ENV} to wait longer"
            )
        if reported_at is None or now - reported_at >= OUTSIDE_HOLDER_REPORT_SECONDS:
            logger.warning(
                "waiting to %s: %s holds the warehouse %s open (a notebook, the DuckDB CLI or a hand-run dbt?); "
                "analysts should read the serving file instead",
                purpose,
                holder,
                database,
            )
            reported_at = now
        time.sleep(_OUTSIDE_HOLDER_POLL_SECONDS)


def pipeline_run_lock(pipeline: dlt.Pipeline, timeout: float | None = None) -> AbstractContextManager[None]:
    """Hold the pipeline for a whole run: one run of each provider at a time, whatever started it."""
    lock_file = Path(pipeline.pipelines_dir) / f"{pipeline.pipeline_name}.run.lock"
    return _exclusive(lock_file, f"the pipeline {pipeline.pipeline_name}", "run it", timeout)


@contextmanager
def _exclusive(lock_file: Path, what: str, purpose: str, timeout: float | None) -> Iterator[None]:
    timeout = lock_timeout() if timeout is None else timeout
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_file, timeout=timeout)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        logger.info("waiting for %s (another process holds it) to %s", what, purpose)
        try:
            lock.acquire()
        except Timeout:
            raise TimeoutError(
                f"{what} stayed locked for {timeout:.0f} s; a stuck process holds "
                f"{lock.lock_file} (set {LOCK_TIMEOUT_ENV} to wait longer)"
            ) from None
    try:
        yield
    finally:
        lock.release()


def pipeline_warehouse_lock(
    pipeline: dlt.Pipeline, purpose: str, timeout: float | None = None
) -> AbstractContextManager[None]:
    """The lock of the pipeline's DuckDB file, or no lock for any other destination."""
    if pipeline.destination is None or not pipeline.destination.destination_type.endswith(".duckdb"):
        return nullcontext()
    return warehouse_lock(pipeline.destination_client().config.credentials.database, purpose, timeout=timeout)
