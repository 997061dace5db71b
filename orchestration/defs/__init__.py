"""Dagster definitions, one folder per technology: ingest (dlt), transform (dbt)."""
