"""The warehouse as a Dagster resource: the DuckDB file, the memory DuckDB may take in it, and the
lock its writers hold.

In the code location each setting is a ``dg.EnvVar`` where its variable is set (the UI's resource
page names the variable; the value is read in the run's process), else the default. Code that runs
outside Dagster (the CLI, the demo, the tests) takes ``Warehouse.from_settings()``, resolved now.
dbt's ``profiles.yml`` reads the same variables, so a dbt build opens the same file.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

import dagster as dg
import dlt
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from pydantic import Field

from orchestration.settings import WAREHOUSE_PATH_ENV, warehouse_path
from orchestration.warehouse.lock import DEFAULT_LOCK_TIMEOUT_SECONDS, LOCK_TIMEOUT_ENV, lock_timeout, warehouse_lock

# DuckDB takes 80% of RAM by default; bounded, it spills to disk instead. dbt's build and the publish
# (dbt's profiles.yml too) need more than dlt's loads, whose process already holds Dagster and dlt.
DUCKDB_MEMORY_LIMIT_ENV = "LISTINGS_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "512MB"
LOAD_MEMORY_LIMIT_ENV = "LISTINGS_LOAD_MEMORY_LIMIT"
DEFAULT_LOAD_MEMORY_LIMIT = "256MB"


def duckdb_memory_limit() -> str:
    """DuckDB's buffer memory in dbt's build and in the publish."""
    return os.environ.get(DUCKDB_MEMORY_LIMIT_ENV) or DEFAULT_DUCKDB_MEMORY_LIMIT


def load_memory_limit() -> str:
    """DuckDB's buffer memory in dlt's loads into raw."""
    return os.environ.get(LOAD_MEMORY_LIMIT_ENV) or DEFAULT_LOAD_MEMORY_LIMIT


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file every stage writes: raw loads, the dbt build, the publish's read."""

    path: str = Field(
        description=f"The DuckDB file ({WAREHOUSE_PATH_ENV}; default: warehouse.duckdb in the data folder)"
    )
    memory_limit: str = Field(
        default=DEFAULT_DUCKDB_MEMORY_LIMIT,
        description=f"DuckDB's buffer memory in the dbt build and the publish ({DUCKDB_MEMORY_LIMIT_ENV})",
    )
    load_memory_limit: str = Field(
        default=DEFAULT_LOAD_MEMORY_LIMIT,
        description=f"DuckDB's buffer memory in dlt's loads ({LOAD_MEMORY_LIMIT_ENV})",
    )
    lock_timeout_seconds: int = Field(
        default=int(DEFAULT_LOCK_TIMEOUT_SECONDS),
        description=f"How long a writer waits for the warehouse before failing as stuck ({LOCK_TIMEOUT_ENV})",
    )

    @classmethod
    def from_settings(cls) -> Warehouse:
        return cls(
            path=str(warehouse_path()),
            memory_limit=duckdb_memory_limit(),
            load_memory_limit=load_memory_limit(),
            lock_timeout_seconds=int(lock_timeout()),
        )

    @property
    def database(self) -> Path:
        return Path(self.path).resolve()

    def lock(self, purpose: str, read_only: bool = False) -> AbstractContextManager[None]:
        """Hold the warehouse for ``purpose`` (see ``orchestration.warehouse.lock``)."""
        return warehouse_lock(self.database, purpose, read_only=read_only, timeout=self.lock_timeout_seconds)

    def dlt_destination(self) -> dlt.destinations.duckdb | dlt.destinations.postgres:
        """dlt's destination for raw loads: this file, with the loads' memory limit (DuckDB's global
        settings come from here, not from dlt's ``global_config``); or the PostgreSQL server
        (``LISTINGS_WAREHOUSE=postgres``), its credentials resolved by dlt (``destination.postgres.credentials``)."""
        if os.environ.get("LISTINGS_WAREHOUSE") == "postgres":
            return dlt.destinations.postgres()
        credentials = DuckDbCredentials(str(self.database), global_config={"memory_limit": self.load_memory_limit})
        return dlt.destinations.duckdb(credentials)


def warehouse_resource() -> Warehouse:
    """The resource the definitions bind: each field from its variable where set, else the default."""

    def setting(variable: str, default: str, parse: type = str) -> object:
        if not os.environ.get(variable):
            return parse(default)
        return dg.EnvVar.int(variable) if parse is int else dg.EnvVar(variable)

    return Warehouse(
        path=setting(WAREHOUSE_PATH_ENV, str(warehouse_path())),
        memory_limit=setting(DUCKDB_MEMORY_LIMIT_ENV, DEFAULT_DUCKDB_MEMORY_LIMIT),
        load_memory_limit=setting(LOAD_MEMORY_LIMIT_ENV, DEFAULT_LOAD_MEMORY_LIMIT),
        lock_timeout_seconds=setting(LOCK_TIMEOUT_ENV, str(int(DEFAULT_LOCK_TIMEOUT_SECONDS)), int),
    )
