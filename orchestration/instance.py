"""The Dagster instance the CLI, the demo and ``listings ui`` share, under the data folder."""

from __future__ import annotations

from orchestration.settings import data_dir

# Writers of the warehouse hold its lock (dlt_sources/common/warehouse_lock.py); the pool keeps dbt
# builds and publishes queued in the UI rather than waiting on it. The sources' scan progress
# (pages, listings, ETA) goes to the run's event log.
DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
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
