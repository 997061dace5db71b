"""dlt pipelines: one per provider, each landing in its own ``raw_<provider>`` dataset."""

from __future__ import annotations

import os
from pathlib import Path

import dlt

from orchestration.registry import raw_dataset
from orchestration.settings import pipelines_dir
from orchestration.warehouse.resource import Warehouse


def listings_pipeline(
    provider: str, warehouse: Warehouse | None = None, working_root: Path | None = None
) -> dlt.Pipeline:
    """The provider's pipeline into ``warehouse`` (the one the settings name, unless given), its
    local state under ``working_root`` (the data folder's ``dlt_pipelines`` unless given).

    Each provider has its own pipeline name, so its state never mixes with another's and two
    providers can extract at once (dlt#1102: concurrent runs of one pipeline corrupt its state).
    """
    keep_dlt_telemetry_off()
    return dlt.pipeline(
        pipeline_name=f"listings_{provider}",
        destination=(warehouse or Warehouse.from_settings()).dlt_destination(),
        dataset_name=raw_dataset(provider),
        pipelines_dir=str(working_root or pipelines_dir()),
        # rows extracted so far, every 5 s, in the run's log
        progress=dlt.progress.log(log_period=5.0, logger="dlt_logger", dump_system_stats=False),
    )


def keep_dlt_telemetry_off() -> None:
    """dlt reports anonymous usage to an outside host unless told not to, from the first source or
    pipeline it builds; a warehouse build must not phone home. An operator's own setting still wins."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
