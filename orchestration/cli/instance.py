"""The Dagster instance the CLI, the demo and ``listings ui`` share, under the data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.platform.environment import environment
from orchestration.settings import data_dir

if TYPE_CHECKING:
    from dagster import DagsterInstance

# The instance's settings, a committed file (pools, run monitoring, which loggers reach the event log)
DAGSTER_YAML_FILE = Path(__file__).resolve().parent.parent / "dagster.yaml"


def dagster_home() -> str:
    """A persistent Dagster instance under the data folder: runs of the CLI and the demo show in the UI."""
    home = data_dir() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(DAGSTER_YAML_FILE.read_text())
    return str(home)


def use_dagster_home() -> str:
    """The operator's ``DAGSTER_HOME`` when set (given this project's ``dagster.yaml`` if it has
    none), else the instance under the data folder; ``listings run`` and ``listings ui`` both take it
    this way, so the UI shows the CLI's runs."""
    if home := os.environ.get("DAGSTER_HOME"):
        Path(home).mkdir(parents=True, exist_ok=True)
        if not (config := Path(home) / "dagster.yaml").exists():
            config.write_text(DAGSTER_YAML_FILE.read_text())
    else:
        os.environ["DAGSTER_HOME"] = home = dagster_home()
    return home


@contextmanager
def instance_at(home: Path) -> Iterator[DagsterInstance]:
    """The Dagster instance of ``home``, another than this process's: its storage is found by the
    ``DAGSTER_HOME`` its ``dagster.yaml`` names, set while the instance is made."""
    from dagster import DagsterInstance

    with environment({"DAGSTER_HOME": str(home)}):
        instance = DagsterInstance.from_config(str(home))
    with instance:
        yield instance
