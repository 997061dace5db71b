"""The Dagster instance the CLI, the demo and ``listings ui`` share, under the data folder."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.settings import data_dir

# Writers of the warehouse hold its lock (dlt_sources/common/warehouse_lock.py); the pools (one
# slot each) queue dbt builds and publishes in the UI rather than on the lock, and keep each
# provider to one raw load at a time. The sources' scan progress
# (pages, listings, ETA) goes to the run's event log.
DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
run_monitoring:  # the daemon frees the pool slots of runs that ended (a terminated dead run too)
  enabled: true
  free_slots_after_run_end_seconds: 300
python_logs:
  managed_python_loggers:
    - dlt_sources
  python_log_level: INFO
"""


def dagster_home() -> str:
    """A persistent Dagster instance under the data folder: runs of the CLI and the demo show in the UI."""
    home = data_dir() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    return str(home)


def use_dagster_home() -> str:
    """The operator's ``DAGSTER_HOME`` when set (given this project's ``dagster.yaml`` if it has
    none), else the instance under the data folder; ``listings run`` and ``listings ui`` both take it
    this way, so the UI shows the CLI's runs."""
    if home := os.environ.get("DAGSTER_HOME"):
        Path(home).mkdir(parents=True, exist_ok=True)
        if not (config := Path(home) / "dagster.yaml").exists():
            config.write_text(DAGSTER_YAML)
    else:
        os.environ["DAGSTER_HOME"] = home = dagster_home()
    return home
