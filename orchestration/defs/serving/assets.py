"""The ``serving/marts`` asset: after each dbt build, the marts published to the serving file (and
optionally Parquet) that analysts and BI tools open (see ``orchestration.warehouse.publish``)."""

import dagster as dg

from orchestration.defs.conventions import FAILED_PROVIDERS_TAG, OWNERS, WAREHOUSE_WRITER_POOL
from orchestration.settings import parquet_dir, serving_masks_hidden_prices, serving_path
from orchestration.warehouse.publish import MARTS, publish_duckdb, publish_parquet
from orchestration.warehouse.resource import Warehouse


@dg.asset(
    key=["serving", "marts"],
    deps=[dg.AssetKey(["marts", mart]) for mart in MARTS],
    group_name="serving",
    kinds={"duckdb"},
    owners=OWNERS,
    pool=WAREHOUSE_WRITER_POOL,
    automation_condition=dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed(),
    description="The marts, published atomically to the read-only serving DuckDB file (and optionally "
    "Parquet) that analysts and BI tools open.",
)
def published_marts(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    target, mask = serving_path(), serving_masks_hidden_prices()
    options = {"mask_hidden_prices": mask, "memory_limit": warehouse.memory_limit}
    with warehouse.lock("publish the marts", read_only=True):  # it writes the serving file, not the warehouse
        row_counts = publish_duckdb(warehouse.database, target, **options)
        parquet = publish_parquet(warehouse.database, folder, **options) if (folder := parquet_dir()) else None
    context.log.info(f"published {sum(row_counts.values())} rows of {len(row_counts)} marts to {target}")
    stale = context.run.tags.get(FAILED_PROVIDERS_TAG, "")
    if stale:
        context.log.warning(f"published without new data from {stale}: their loads failed (see the raw run)")
    return dg.MaterializeResult(
        metadata={
            # providers whose load failed in this `listings run`: their rows are from their last good load
            "providers_not_refreshed": dg.MetadataValue.json(stale.split(",") if stale else []),
            "serving_path": dg.MetadataValue.path(str(target)),
            "hidden_prices": "masked" if mask else "published",
            "parquet_path": dg.MetadataValue.path(str(parquet)) if parquet else "not published (LISTINGS_PARQUET_DIR)",
            **{f"rows_{mart}": count for mart, count in row_counts.items()},
        }
    )
