"""One process at a time in the DuckDB warehouse file.

DuckDB lets one process open a database file for writing, and a reader cannot open it while a
writer holds it. Every step that opens the warehouse (a dlt state restore, the change-detection
read, a dlt load, a dbt build, a publish) holds this lock for just that span; HTTP extraction runs
outside it, so providers extract in parallel and only their loads queue. The lock is an OS file
lock (flock) beside the database: released when its holder exits, even on SIGKILL, so a crashed
run never leaves the warehouse locked. Analysts never take it: they read the published serving
file (see ``orchestration.defs.serving``).

DuckDB-specific: other destinations take their own locks, and the lock is then a no-op.

A second lock, per pipeline, spans a whole raw load: two runs of one provider (a routine load and
its reconciliation, or a run from the CLI beside one from the UI) would share dlt's local state
and change detection (dlt#1102), so the second waits for the first.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import dlt
from filelock import FileLock, Timeout

logger = logging.getLogger(__name__)

# A load or a dbt build that holds the warehouse longer than this is stuck, not slow.
LOCK_TIMEOUT_SECONDS = float(os.environ.get("LISTINGS_WAREHOUSE_LOCK_TIMEOUT", 2 * 3600))


@contextmanager
def warehouse_lock(database: str | Path, purpose: str) -> Iterator[None]:
    """Hold the warehouse for ``purpose`` (named in the log while others wait for it)."""
    with _exclusive(Path(f"{database}.lock"), f"the warehouse {Path(database).name}", purpose):
        yield


def pipeline_run_lock(pipeline: dlt.Pipeline) -> AbstractContextManager[None]:
    """Hold the pipeline for a whole run: one run of each provider at a time, whatever started it."""
    lock_file = Path(pipeline.pipelines_dir) / f"{pipeline.pipeline_name}.run.lock"
    return _exclusive(lock_file, f"the pipeline {pipeline.pipeline_name}", "run it")


@contextmanager
def _exclusive(lock_file: Path, what: str, purpose: str) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_file, timeout=LOCK_TIMEOUT_SECONDS)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        logger.info("waiting for %s (another process holds it) to %s", what, purpose)
        try:
            lock.acquire()
        except Timeout:
            raise TimeoutError(
                f"{what} stayed locked for {LOCK_TIMEOUT_SECONDS:.0f} s; a stuck process holds "
                f"{lock.lock_file} (set LISTINGS_WAREHOUSE_LOCK_TIMEOUT to wait longer)"
            ) from None
    try:
        yield
    finally:
        lock.release()


def pipeline_warehouse_lock(pipeline: dlt.Pipeline, purpose: str) -> AbstractContextManager[None]:
    """The lock of the pipeline's DuckDB file, or no lock for any other destination."""
    if pipeline.destination is None or not pipeline.destination.destination_type.endswith(".duckdb"):
        return nullcontext()
    return warehouse_lock(pipeline.destination_client().config.credentials.database, purpose)
