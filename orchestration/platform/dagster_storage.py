"""Dagster's SQLite storage for the project's own instance (``orchestration/dagster.yaml``), with an
event log that keeps its connections.

Dagster's ``SqliteEventLogStorage`` builds a SQLAlchemy engine, opens a connection and syncs the disk
for every event it stores, and again for each copy in the index file (an asset check's result: the
run's file, then the index twice): about 3.5 ms a write on this project's machines. A day's marts
run stores about 1,000 events (a planned and a result event for each of its 263 dbt tests, besides
the models'), 660 of them copied to the index. Here each file's engine and one connection are kept
for the process, and SQLite syncs the write-ahead log at checkpoints rather than at every commit
(``synchronous=NORMAL``, SQLite's advice for WAL): 0.3 ms a write. A crash of the process loses
nothing; a power cut may lose the last events, never the file. A no-change run at demo scale went
from 30.9 s to 25.8 s (BENCHMARKS.md).

Kept connections change how a reader learns of new events. Dagster's SQLite storage watches a run's
file for changes (the UI following a run live), and a commit changed it when the connection closed,
which checkpointed the write-ahead log into it; with the connection kept, commits stay in the log
until a checkpoint. So this storage polls for a watched run's new events instead, as Dagster's
PostgreSQL storage does.

The files are Dagster's own (``history/``, ``history/runs/``, ``schedules/`` under ``base_dir``), so
an instance written before this storage, or read by Dagster's default storage, is the same instance.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log.base import EventHandlerFn
from dagster._core.storage.event_log.polling_event_watcher import SqlPollingEventWatcher
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# Run files whose engines stay open besides the index: the runs a process writes at once (a marts
# run and its steps), with room for the UI's readers; an older one is closed when a newer one opens.
OPEN_RUN_FILES = 8


def _sync_at_checkpoints(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA synchronous=NORMAL")


class KeptConnectionsSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` (run-sharded files, WAL) with each file's engine kept, one pooled
    connection each: the index file always, the last ``OPEN_RUN_FILES`` run files."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._engines_lock = threading.Lock()
        self._watcher: SqlPollingEventWatcher | None = None
        super().__init__(base_dir, inst_data)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            if self._engines_pid != os.getpid():  # a forked child: the parent's connections are not its own
                for inherited in self._engines.values():
                    inherited.dispose(close=False)
                self._engines.clear()
                self._engines_pid = os.getpid()
            if shard in self._engines:
                self._engines.move_to_end(shard)
                return self._engines[shard]
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=4,  # a margin: Dagster's lock (_db_lock) hands out one connection at a time
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _sync_at_checkpoints)
            self._engines[shard] = engine
            run_files = [name for name in self._engines if name != INDEX_SHARD_NAME]
            for oldest in run_files[: max(0, len(run_files) - OPEN_RUN_FILES)]:
                self._engines.pop(oldest).dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Dagster's own, but for the engine: one lock, the file's schema made on first use
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def watch(self, run_id: str, cursor: str | None, callback: EventHandlerFn) -> None:
        with self._engines_lock:
            if self._watcher is None:
                self._watcher = SqlPollingEventWatcher(self)
        self._watcher.watch_run(run_id, cursor, callback)

    def end_watch(self, run_id: str, handler: EventHandlerFn) -> None:
        if self._watcher is not None:
            self._watcher.unwatch_run(run_id, handler)

    def _close_engines(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self._close_engines()  # before Dagster deletes the run files under them
        super().wipe()

    def dispose(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None
        self._close_engines()
        super().dispose()


class ListingsSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage under ``base_dir`` (runs, schedules, the same file layout), with the
    event log above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # DagsterSqliteStorage.__init__, with this event log in place of Dagster's
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = KeptConnectionsSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: Any) -> ListingsSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
