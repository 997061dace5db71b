"""dlt pipelines: one per provider, each landing in its own ``raw_<provider>`` dataset."""

from __future__ import annotations

from pathlib import Path

import dlt
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from orchestration.settings import load_memory_limit, pipelines_dir, warehouse_path


def raw_dataset(provider: str) -> str:
    return f"raw_{provider}"


def listings_pipeline(provider: str, working_root: Path | None = None) -> dlt.Pipeline:
    """The provider's pipeline into the warehouse, its local state under ``working_root`` (the data
    folder's ``dlt_pipelines`` unless given).

    Each provider has its own pipeline name, so its state never mixes with another's and two
    providers can extract at once (dlt#1102: concurrent runs of one pipeline corrupt its state).
    """
    return dlt.pipeline(
        pipeline_name=f"listings_{provider}",
        # DuckDB's global settings come from here (LISTINGS_LOAD_MEMORY_LIMIT), not dlt's `global_config`
        destination=dlt.destinations.duckdb(
            DuckDbCredentials(str(warehouse_path()), global_config={"memory_limit": load_memory_limit()})
        ),
        dataset_name=raw_dataset(provider),
        pipelines_dir=str(working_root or pipelines_dir()),
        # rows extracted so far, every 5 s, in the run's log
        progress=dlt.progress.log(log_period=5.0, logger="dlt_logger", dump_system_stats=False),
    )
