"""Moved to ``orchestration.warehouse.lock``; this name stays until the CLI's imports follow."""

from orchestration.warehouse.lock import pipeline_run_lock, pipeline_warehouse_lock, warehouse_lock

__all__ = ["pipeline_run_lock", "pipeline_warehouse_lock", "warehouse_lock"]
