"""The Dagster instance the CLI, the demo and ``listings ui`` share, under the data folder."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.settings import data_dir

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
