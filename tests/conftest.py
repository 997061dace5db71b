"""Fixtures shared across the suite. Everything runs against the sandbox over real HTTP."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from listings_sandbox import Sandbox, SandboxConfig
from listings_sandbox.postgres import PostgresServer


def pytest_configure(config: pytest.Config) -> None:  # noqa: ARG001 (pytest's hook signature)
    """Photo copies are paced to AvaroAI's quota, minutes for a sandbox's photos, in a run of their own
    after every `listings run`'s publish: only the mirror's own tests turn it on (they unset this;
    tests/orchestrate/test_photo_mirroring.py). Step processes and `listings` commands inherit it."""
    os.environ.setdefault("LISTINGS_MIRROR_PHOTOS", "none")


@pytest.fixture
def start_pipeline_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    """Start a sandbox, configure dlt to reach it, and give the test a private data folder
    (warehouse, dlt state). Stopped at the end of the test."""
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    started: list[Sandbox] = []

    def start(config: SandboxConfig | None = None) -> Sandbox:
        sandbox = Sandbox(config or SandboxConfig(seed=3)).start()
        started.append(sandbox)
        for name, value in sandbox.dlt_environment().items():
            monkeypatch.setenv(name, value)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def pipeline_sandbox(start_pipeline_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """The default sandbox (documented quotas), wired as above."""
    return start_pipeline_sandbox()


@pytest.fixture
def quick_give_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry budgets for a test that makes a provider fail for good: three attempts, a backoff of
    tenths of a second (the defaults would keep trying for minutes, as they should in production)."""
    for name, value in {
        "SOURCES__TRANSIENT_MAX_ATTEMPTS": "3",
        "SOURCES__BACKOFF_INITIAL_SECONDS": "0.05",
        "SOURCES__BACKOFF_MAX_SECONDS": "0.2",
    }.items():
        monkeypatch.setenv(name, value)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files marked ``slow`` first: pytest-xdist hands files to its workers in this order, and a
    long file started last would leave the other workers idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: files stay whole


@contextmanager
def _serving_readers(serving: Path) -> Iterator[list[tuple[str, Path]]]:
    """Two reader processes of ``serving`` (tests/serving_reader.py), one holding its connection and
    one reconnecting, for the block; yields (mode, result file) pairs, written when the block ends."""
    folder = serving.parent
    stop, results, processes = folder / "readers.stop", [], []
    for mode in ("hold", "reconnect"):
        results.append((mode, folder / f"reader_{mode}.json"))
        command = [sys.executable, str(Path(__file__).with_name("serving_reader.py"))]
        processes.append(subprocess.Popen([*command, str(serving), str(stop), str(results[-1][1]), mode]))
    try:
        yield results
    finally:
        stop.touch()
        for process in processes:
            process.wait(timeout=60)


@pytest.fixture(scope="session")
def serving_readers() -> Callable[[Path], AbstractContextManager[list[tuple[str, Path]]]]:
    return _serving_readers


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server of its own for the session (the machine's binaries: `.ci/run`
    installs Debian's package), removed at the end. A test gets its own database from it."""
    with PostgresServer() as server:
        yield server
