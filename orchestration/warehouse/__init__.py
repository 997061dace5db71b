"""The warehouse: the DuckDB file and its settings as a Dagster resource (``resource``), the lock
every writer holds (``lock``), and publishing its marts to readers (``publish``)."""
