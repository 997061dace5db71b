"""Fixtures shared across the suite. Everything runs against the sandbox over real HTTP."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from dlt_sources.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def pipeline_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Sandbox]:
    """A fresh sandbox, dlt configured to reach it, and a private data folder (warehouse, dlt state)."""
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    with Sandbox(SandboxConfig(seed=3)) as sandbox:
        for name, value in sandbox.dlt_environment().items():
            monkeypatch.setenv(name, value)
        yield sandbox
