"""What every Dagster definition of the project shares.

DuckDB allows one writing process: the dbt build and the publish, which hold the warehouse for
long, run in one pool (raw loads take the warehouse lock only to load; see ``ingest.assets``).
"""

WAREHOUSE_WRITER_POOL = "warehouse_writer"
OWNERS = ["team:data-platform"]  # dbt models declare the same owners in dbt_project.yml
