"""Dagster definitions, one folder per stage, each exporting its own ``definitions()``: ingest (dlt
raw loads, their jobs, schedules and freshness), transform (dbt), serving (the published marts)."""
