"""What every Dagster definition of the project shares.

DuckDB allows one writing process: the dbt build and the publish, which hold the warehouse for
long, run in one pool (raw loads take the warehouse lock only to load; see ``ingest.assets``).
"""

WAREHOUSE_WRITER_POOL = "warehouse_writer"
OWNERS = ["team:data-platform"]  # dbt models declare the same owners in dbt_project.yml
# On a run that built and published the marts while some providers' loads had failed: those
# providers (comma-separated), whose data in the marts is their last good load.
FAILED_PROVIDERS_TAG = "listings/failed_providers"
# The job `listings run` runs subsets of: every asset and dbt test, no freshness check
PIPELINE_RUN_JOB = "listings_run"
