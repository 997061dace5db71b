"""A throwaway PostgreSQL server for the tests and the demo: a real server from the machine's
PostgreSQL binaries (Debian's ``postgresql`` package), in a folder of its own, on loopback.

    with PostgresServer() as server:
        server.environment()   # what points the pipeline at it (LISTINGS_WAREHOUSE=postgres and credentials)
        server.url()           # postgresql://listings:<password>@127.0.0.1:<port>/listings
        server.create_database()  # a fresh database's name, for one test

The cluster has one login role, ``listings``, owner of the database ``listings``, with a password
over TCP (scram-sha-256), as a real deployment would: nothing here relies on trust authentication.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user the
package creates. ``.ci/run`` installs the package where it is missing.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

ROLE = DATABASE = "listings"
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_binaries() -> Path:
    """The folder holding initdb, pg_ctl and postgres: on PATH, or Debian's newest version."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parent.parent.name))
    if not versions:
        raise PostgresUnavailable(
            "no PostgreSQL server found (pg_ctl): install Debian's package, `apt-get install postgresql`"
        )
    return versions[-1].parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One cluster, started on enter and removed on exit (see the module docstring)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.password = secrets.token_urlsafe(16)
        self.binaries = server_binaries()
        self._as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="listings-postgres-"))
        self.data = self.folder / "data"
        self._databases = 0

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database, owned by the role: one per test, so tests share the server only."""
        self._databases += 1
        name = f"{DATABASE}_{self._databases}"
        self._run_sql(f"create database {name} owner {ROLE}", database="postgres")
        return name

    def environment(self, database: str = DATABASE) -> dict[str, str]:
        """The variables that point the pipeline, dlt and dbt at this server (README, "PostgreSQL")."""
        return {
            "LISTINGS_WAREHOUSE": "postgres",
            "DESTINATION__POSTGRES__CREDENTIALS__HOST": "127.0.0.1",
            "DESTINATION__POSTGRES__CREDENTIALS__PORT": str(self.port),
            "DESTINATION__POSTGRES__CREDENTIALS__DATABASE": database,
            "DESTINATION__POSTGRES__CREDENTIALS__USERNAME": ROLE,
            "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD": self.password,
        }

    def __enter__(self) -> PostgresServer:
        try:
            self._start()
        except BaseException:
            self._remove()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        self._remove()

    def _start(self) -> None:
        password_file = self.folder / "password"
        password_file.write_text(self.password)
        if self._as_root:
            shutil.chown(self.folder, "postgres")
            shutil.chown(password_file, "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            ROLE,
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        )
        password_file.unlink()
        settings = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # a throwaway cluster: no durability
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", settings, "-l", str(self.folder / "server.log"), "-w", "start")
        self._run_sql(f"create database {DATABASE} owner {ROLE}", database="postgres")

    def _run_sql(self, sql: str, database: str = DATABASE) -> None:
        environment = {**os.environ, "PGPASSWORD": self.password}
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port)]
        subprocess.run([*command, "-U", ROLE, "-d", database, "-c", sql], check=True, env=environment)

    def _run(self, program: str, *arguments: str, check: bool = True) -> None:
        command = [str(self.binaries / program), *arguments]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_S, cwd=self.folder)
        if check and completed.returncode != 0:
            log = self.folder / "server.log"
            detail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed: {completed.stderr.strip() or completed.stdout.strip()}\n{detail}")

    def _remove(self) -> None:
        for _ in range(3):
            shutil.rmtree(self.folder, ignore_errors=True)
            if not self.folder.exists():
                return
            time.sleep(0.2)
