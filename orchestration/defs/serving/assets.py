"""The ``serving/marts`` asset: after each dbt build, the marts published to the serving file (and
optionally Parquet) and to a PostgreSQL schema (``LISTINGS_PUBLISH_TO``) that analysts and BI tools
open (see ``orchestration.warehouse.publish``)."""

import dagster as dg

from orchestration.defs.conventions import FAILED_PROVIDERS_TAG, OWNERS, WAREHOUSE_WRITER_POOL
from orchestration.settings import (
    parquet_dir,
    publish_targets,
    serving_masks_hidden_prices,
    serving_path,
    serving_reader_role,
    serving_schema,
)
from orchestration.warehouse.publish import MARTS, publish_duckdb, publish_parquet, publish_postgres
from orchestration.warehouse.resource import Warehouse


@dg.asset(
    key=["serving", "marts"],
    deps=[dg.AssetKey(["marts", mart]) for mart in MARTS],
    group_name="serving",
    kinds={"duckdb", "postgres"},
    owners=OWNERS,
    pool=WAREHOUSE_WRITER_POOL,
    automation_condition=dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed(),
    description="The marts, published atomically to the read-only serving DuckDB file (and optionally "
    "Parquet) and to a PostgreSQL schema, that analysts and BI tools open.",
)
def published_marts(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    target, mask, targets = serving_path(), serving_masks_hidden_prices(), publish_targets()
    options = {"mask_hidden_prices": mask, "memory_limit": warehouse.memory_limit}
    row_counts, parquet, schema, role = {}, None, serving_schema(), serving_reader_role()
    with warehouse.lock("publish the marts", read_only=True):  # it writes the serving file, not the warehouse
        if "file" in targets:
            row_counts = publish_duckdb(warehouse, target, **options)
            if folder := parquet_dir():  # from the serving file just written: either engine's marts
                parquet = publish_parquet(target, folder, memory_limit=warehouse.memory_limit)
        if "postgres" in targets:
            row_counts = publish_postgres(warehouse, schema=schema, reader_role=role, mask_hidden_prices=mask)
    # `listings run` reads this line for its summary (cli/progress.py): where the marts are to be read
    where = [str(target)] if "file" in targets else []
    where += [f"PostgreSQL schema {schema} (read by role {role})"] if "postgres" in targets else []
    context.log.info(f"published {sum(row_counts.values())} rows of {len(row_counts)} marts to {' and '.join(where)}")
    stale = context.run.tags.get(FAILED_PROVIDERS_TAG, "")
    if stale:
        context.log.warning(f"published without new data from {stale}: their loads failed (see the raw run)")
    not_published = "not published (LISTINGS_PUBLISH_TO)"
    return dg.MaterializeResult(
        metadata={
            # providers whose load failed in this `listings run`: their rows are from their last good load
            "providers_not_refreshed": dg.MetadataValue.json(stale.split(",") if stale else []),
            "serving_path": dg.MetadataValue.path(str(target))
            if "file" in targets
            else "not published (LISTINGS_PUBLISH_TO)",
            "serving_schema": schema if "postgres" in targets else not_published,
            "hidden_prices": "masked" if mask else "published",
            "parquet_path": dg.MetadataValue.path(str(parquet)) if parquet else "not published (LISTINGS_PARQUET_DIR)",
            **{f"rows_{mart}": count for mart, count in row_counts.items()},
        }
    )
