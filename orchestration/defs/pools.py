"""DuckDB allows one writing process: every step that writes the warehouse runs in this pool."""

WAREHOUSE_WRITER_POOL = "warehouse_writer"
OWNERS = ["team:data-platform"]
