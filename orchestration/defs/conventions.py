"""What every Dagster definition of the project shares.

DuckDB allows one writing process: every step that writes the warehouse runs in one pool.
"""

WAREHOUSE_WRITER_POOL = "warehouse_writer"
OWNERS = ["team:data-platform"]  # dbt models declare the same owners in dbt_project.yml
