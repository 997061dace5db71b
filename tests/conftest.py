"""Fixtures shared across the suite. Everything runs against the sandbox over real HTTP."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dlt_sources.sandbox import Sandbox, SandboxConfig


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
