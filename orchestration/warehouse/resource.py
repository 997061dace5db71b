"""The warehouse as a Dagster resource: its engine (a DuckDB file, or a PostgreSQL server), the DuckDB
file, the memory DuckDB may take in it, and the lock its writers hold.

On PostgreSQL (``LISTINGS_WAREHOUSE=postgres``) the server's credentials are dlt's: environment
variables ``DESTINATION__POSTGRES__CREDENTIALS__HOST`` (PORT, DATABASE, USERNAME, PASSWORD) or
``[destination.postgres.credentials]`` in ``.dlt/secrets.toml``. dbt's profile reads the same variables;
``dbt_environment`` sets them from dlt's resolution for a dbt the project starts, so credentials kept
in secrets.toml reach it too. The password is registered for redaction like the sources' secrets.
The server takes concurrent writers itself: the file lock is then not taken.

In the code location each setting is a ``dg.EnvVar`` where its variable is set (the UI's resource
page names the variable; the value is read in the run's process), else the default. Code that runs
outside Dagster (the CLI, the demo, the tests) takes ``Warehouse.from_settings()``, resolved now.
dbt's ``profiles.yml`` reads the same variables, so a dbt build opens the same file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import dagster as dg
import dlt
import duckdb
from dlt.common.configuration import resolve_configuration
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.destinations.impl.postgres.configuration import PostgresCredentials
from pydantic import Field

from dlt_sources.common.secrets import register_secrets
from orchestration.settings import (
    WAREHOUSE_ENGINE_ENV,
    WAREHOUSE_PATH_ENV,
    database_path,
    is_motherduck,
    warehouse_engine,
    warehouse_path,
)
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


POSTGRES_VARIABLES = {  # dlt's names, which dbt's profiles.yml reads too
    "host": "DESTINATION__POSTGRES__CREDENTIALS__HOST",
    "port": "DESTINATION__POSTGRES__CREDENTIALS__PORT",
    "database": "DESTINATION__POSTGRES__CREDENTIALS__DATABASE",
    "username": "DESTINATION__POSTGRES__CREDENTIALS__USERNAME",
    "password": "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD",
}


def postgres_credentials() -> PostgresCredentials:
    """The PostgreSQL server's credentials as dlt resolves them (environment, then secrets.toml)."""
    credentials = resolve_configuration(PostgresCredentials(), sections=("destination", "postgres"))
    register_secrets(credentials.password)
    return credentials


class Warehouse(dg.ConfigurableResource):
    """The warehouse every stage writes: raw loads, the dbt build, the publish's read."""

    engine: str = Field(default="duckdb", description=f"duckdb (a file) or postgres (a server; {WAREHOUSE_ENGINE_ENV})")
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
            engine=warehouse_engine(),
            path=str(warehouse_path()),
            memory_limit=duckdb_memory_limit(),
            load_memory_limit=load_memory_limit(),
            lock_timeout_seconds=int(lock_timeout()),
        )

    @property
    def database(self) -> Path:
        return database_path(self.path)

    @property
    def on_postgres(self) -> bool:
        return self.engine == "postgres"

    def lock(self, purpose: str, read_only: bool = False) -> AbstractContextManager[None]:
        """Hold the DuckDB file for ``purpose`` (see ``orchestration.warehouse.lock``); a server
        needs no lock of ours."""
        if self.on_postgres:
            return nullcontext()
        return warehouse_lock(self.database, purpose, read_only=read_only, timeout=self.lock_timeout_seconds)

    def dlt_destination(self) -> dlt.destinations.duckdb | dlt.destinations.postgres:
        """dlt's destination for raw loads: this file, with the loads' memory limit (DuckDB's global
        settings come from here, not from dlt's ``global_config``); or the PostgreSQL server."""
        if self.on_postgres:
            return dlt.destinations.postgres(postgres_credentials())
        credentials = DuckDbCredentials(str(self.database), global_config={"memory_limit": self.load_memory_limit})
        return dlt.destinations.duckdb(credentials)

    def dbt_environment(self) -> dict[str, str]:
        """What a dbt the project starts needs in its environment to open this warehouse."""
        if not self.on_postgres:
            return {WAREHOUSE_ENGINE_ENV: "duckdb", WAREHOUSE_PATH_ENV: str(self.database)}
        credentials = postgres_credentials()
        values = {name: getattr(credentials, name) for name in POSTGRES_VARIABLES}
        return {WAREHOUSE_ENGINE_ENV: "postgres"} | {
            variable: str(values[name]) for name, variable in POSTGRES_VARIABLES.items() if values[name] is not None
        }

    def exists(self) -> bool:
        """Whether there is a warehouse to read yet (a server is taken to be there)."""
        return self.on_postgres or is_motherduck(self.database) or self.database.exists()

    @contextmanager
    def read(self) -> Iterator[Any]:
        """A connection that reads the warehouse (DB-API: ``cursor()``, ``execute``), closed after."""
        if not self.on_postgres:
            # no Python variables as tables: a missing table must be missing, not a scan of a local
            with duckdb.connect(str(self.database), read_only=True, config={"python_enable_replacements": False}) as db:
                yield db
            return
        import psycopg2  # only where PostgreSQL is the warehouse

        connection = psycopg2.connect(postgres_credentials().to_native_representation())
        try:
            connection.set_session(readonly=True, autocommit=True)
            yield connection
        finally:
            connection.close()


def warehouse_resource() -> Warehouse:
    """The resource the definitions bind: each field from its variable where set, else the default."""

    def setting(variable: str, default: str, parse: type = str) -> object:
        if not os.environ.get(variable):
            return parse(default)
        return dg.EnvVar.int(variable) if parse is int else dg.EnvVar(variable)

    warehouse_engine()  # an engine it does not know fails the definitions, naming the choices
    return Warehouse(
        engine=setting(WAREHOUSE_ENGINE_ENV, "duckdb"),
        path=setting(WAREHOUSE_PATH_ENV, str(warehouse_path())),
        memory_limit=setting(DUCKDB_MEMORY_LIMIT_ENV, DEFAULT_DUCKDB_MEMORY_LIMIT),
        load_memory_limit=setting(LOAD_MEMORY_LIMIT_ENV, DEFAULT_LOAD_MEMORY_LIMIT),
        lock_timeout_seconds=setting(LOCK_TIMEOUT_ENV, str(int(DEFAULT_LOCK_TIMEOUT_SECONDS)), int),
    )


def table_exists(connection: Any, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists, on either engine (``connection`` from ``Warehouse.read``)."""
    cursor = connection.cursor()
    try:
        cursor.execute(
            "select count(*) from information_schema.tables "
            f"where table_schema = '{schema}' and table_name = '{table}'"  # our own names: no quoting needed
        )
        return cursor.fetchone()[0] > 0
    finally:
        cursor.close()
