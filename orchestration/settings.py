"""Where the pipeline reads and writes, and what it publishes. Declared once; read when called,
never at import. The warehouse's memory and lock settings are the warehouse package's
(``orchestration.warehouse.resource``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DATA_DIR_ENV = "LISTINGS_DATA_DIR"
# The engine every stage reads and writes: a DuckDB file (the default) or a PostgreSQL server, whose
# credentials are dlt's (destination.postgres.credentials); dbt's profiles.yml reads the same.
WAREHOUSE_ENGINE_ENV = "LISTINGS_WAREHOUSE"
WAREHOUSE_ENGINES = ("duckdb", "postgres")
WAREHOUSE_PATH_ENV = "LISTINGS_WAREHOUSE_PATH"  # dbt's profiles.yml resolves both the same way
SERVING_PATH_ENV = "LISTINGS_SERVING_PATH"
PARQUET_DIR_ENV = "LISTINGS_PARQUET_DIR"
# Prices a provider hides (from portals, or from the public) stay in the marts, flagged price_is_hidden;
# `mask` leaves their amounts out of the serving file, for deployments whose readers must not see them.
SERVING_HIDDEN_PRICES_ENV = "LISTINGS_SERVING_HIDDEN_PRICES"
SERVING_HIDDEN_PRICES_CHOICES = ("publish", "mask")
# Where the publish puts the marts: `file`, the serving DuckDB file (LISTINGS_SERVING_PATH), and
# `postgres`, a schema of the PostgreSQL server (dlt's destination.postgres.credentials) that BI tools
# connect to natively, readable by one role. Default: the file; on a PostgreSQL warehouse, both.
PUBLISH_TO_ENV = "LISTINGS_PUBLISH_TO"
PUBLISH_TARGETS = ("file", "postgres")
SERVING_SCHEMA_ENV = "LISTINGS_SERVING_SCHEMA"
SERVING_READER_ROLE_ENV = "LISTINGS_SERVING_READER_ROLE"
# The photo mirror (defs/photos): where copies go, a folder or an fsspec URL (s3://bucket/prefix, whose
# credentials come from the environment or dlt's secrets [photos.storage_options]); and whose photos
# are copied, a comma list of the registry's sources (unset: those whose document forbids hotlinking).
PHOTO_STORE_ENV = "LISTINGS_PHOTO_STORE"
MIRROR_PHOTOS_ENV = "LISTINGS_MIRROR_PHOTOS"
# The currency the marts also show every price in (list_price_reporting), at the rates of the FX table
# (dbt_project/seeds/fx_rates.csv); dbt reads it as the var `reporting_currency` (registry.dbt_vars).
REPORTING_CURRENCY_ENV = "LISTINGS_REPORTING_CURRENCY"


def data_dir() -> Path:
    """Everything the pipeline writes locally: warehouse, dlt state, Dagster storage for the demo."""
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data").resolve()


def photo_store() -> str:
    """Where the photo mirror stores its copies: ``LISTINGS_PHOTO_STORE``, else ``photos`` in the data folder."""
    return os.environ.get(PHOTO_STORE_ENV) or str(data_dir() / "photos")


def mirrored_photo_sources() -> tuple[str, ...] | None:
    """The sources ``LISTINGS_MIRROR_PHOTOS`` names (``none``: no source), or None when unset: those
    whose document forbids hotlinking. Checked against the registry by the photo mirror's definitions."""
    setting = os.environ.get(MIRROR_PHOTOS_ENV)
    if setting is None or not setting.strip():
        return None
    names = tuple(name.strip() for name in setting.split(",") if name.strip())
    return () if names == ("none",) else names


def warehouse_engine() -> str:
    engine = os.environ.get(WAREHOUSE_ENGINE_ENV) or "duckdb"
    if engine not in WAREHOUSE_ENGINES:
        raise ValueError(f"{WAREHOUSE_ENGINE_ENV}={engine!r}: expected one of {', '.join(WAREHOUSE_ENGINES)}")
    return engine


def warehouse_path() -> Path:
    """The DuckDB warehouse: a file, or a MotherDuck database (``md:<name>``, kept as written)."""
    return database_path(os.environ.get(WAREHOUSE_PATH_ENV) or data_dir() / "warehouse.duckdb")


def database_path(path: str | Path) -> Path:
    """A DuckDB database's path made absolute; a MotherDuck one (``md:...``) is not a file and stays as it is."""
    return Path(path) if is_motherduck(path) else Path(path).resolve()


def is_motherduck(path: str | Path) -> bool:
    """Whether a DuckDB database path names a MotherDuck database rather than a file."""
    return str(path).startswith("md:")


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


def publish_targets() -> tuple[str, ...]:
    """Where the publish puts the marts (``LISTINGS_PUBLISH_TO``: ``file``, ``postgres`` or both, comma-separated)."""
    default = "file,postgres" if warehouse_engine() == "postgres" else "file"
    targets = tuple(
        target.strip() for target in (os.environ.get(PUBLISH_TO_ENV) or default).split(",") if target.strip()
    )
    if not targets or set(targets) - set(PUBLISH_TARGETS):
        raise ValueError(
            f"{PUBLISH_TO_ENV}={os.environ.get(PUBLISH_TO_ENV)!r}: expected one or both of {', '.join(PUBLISH_TARGETS)}"
        )
    return targets


def serving_schema() -> str:
    """The PostgreSQL schema the marts are published to (``publish_targets`` has ``postgres``)."""
    return os.environ.get(SERVING_SCHEMA_ENV) or "serving"


def serving_reader_role() -> str:
    """The PostgreSQL role granted read-only use of the serving schema; BI users are made its members."""
    return os.environ.get(SERVING_READER_ROLE_ENV) or "listings_reader"


def reporting_currency() -> str:
    """The marts' reporting currency (``LISTINGS_REPORTING_CURRENCY``, default EUR), an ISO 4217 code."""
    given = os.environ.get(REPORTING_CURRENCY_ENV) or "EUR"
    code = given.strip().upper()
    if not re.fullmatch("[A-Z]{3}", code):
        raise ValueError(f"{REPORTING_CURRENCY_ENV}={given!r}: expected a three-letter ISO 4217 code, such as EUR")
    return code
