"""Where the pipeline reads and writes. Declared once; read when called, never at import."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DATA_DIR_ENV = "LISTINGS_DATA_DIR"
WAREHOUSE_PATH_ENV = "LISTINGS_WAREHOUSE_PATH"  # dbt's profiles.yml resolves both the same way


def data_dir() -> Path:
    """Everything the pipeline writes locally: warehouse, dlt state, Dagster storage for the demo."""
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data").resolve()


def warehouse_path() -> Path:
    return Path(os.environ.get(WAREHOUSE_PATH_ENV) or data_dir() / "warehouse.duckdb").resolve()


def pipelines_dir() -> Path:
    """dlt's working folders and local state, kept beside the warehouse rather than in ~/.dlt."""
    return data_dir() / "dlt_pipelines"
