"""Where the pipeline reads and writes, and what it publishes. Declared once; read when called,
never at import. The warehouse's memory and lock settings are the warehouse package's
(``orchestration.warehouse.resource``)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DATA_DIR_ENV = "LISTINGS_DATA_DIR"
WAREHOUSE_PATH_ENV = "LISTINGS_WAREHOUSE_PATH"  # dbt's profiles.yml resolves both the same way
SERVING_PATH_ENV = "LISTINGS_SERVING_PATH"
PARQUET_DIR_ENV = "LISTINGS_PARQUET_DIR"
# Prices a provider hides (from portals, or from the public) stay in the marts, flagged price_is_hidden;
# `mask` leaves their amounts out of the serving file, for deployments whose readers must not see them.
SERVING_HIDDEN_PRICES_ENV = "LISTINGS_SERVING_HIDDEN_PRICES"
SERVING_HIDDEN_PRICES_CHOICES = ("publish", "mask")


def data_dir() -> Path:
    """Everything the pipeline writes locally: warehouse, dlt state, Dagster storage for the demo."""
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data").resolve()


def warehouse_path() -> Path:
    return Path(os.environ.get(WAREHOUSE_PATH_ENV) or data_dir() / "warehouse.duckdb").resolve()


def pipelines_dir() -> Path:
    """dlt's working folders and local state, kept beside the warehouse rather than in ~/.dlt."""
    return data_dir() / "dlt_pipelines"


def serving_path() -> Path:
    """The read-only copy of the marts that analysts and BI tools open (see defs/serving)."""
    return Path(os.environ.get(SERVING_PATH_ENV) or data_dir() / "serving.duckdb").resolve()


def parquet_dir() -> Path | None:
    """Where the marts are also published as Parquet; None (the default) publishes none."""
    return Path(os.environ[PARQUET_DIR_ENV]).resolve() if os.environ.get(PARQUET_DIR_ENV) else None


def serving_masks_hidden_prices() -> bool:
    """Whether the publish leaves hidden prices' amounts out of the serving file and Parquet."""
    choice = os.environ.get(SERVING_HIDDEN_PRICES_ENV) or "publish"
    if choice not in SERVING_HIDDEN_PRICES_CHOICES:
        raise ValueError(
            f"{SERVING_HIDDEN_PRICES_ENV}={choice!r}: expected one of {', '.join(SERVING_HIDDEN_PRICES_CHOICES)}"
        )
    return choice == "mask"
