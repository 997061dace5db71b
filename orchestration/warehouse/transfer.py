"""Tables copied between the two engines, exactly: a DuckDB file and a PostgreSQL database.

DuckDB reaches PostgreSQL only through its ``postgres`` extension, which it downloads on first use
(a warehouse host may reach no extension repository), so rows travel as CSV through a temporary
file: DuckDB's ``COPY ... TO`` writes it, PostgreSQL's ``COPY ... FROM STDIN`` reads it, and the
other way round.
Both write a null unquoted and an empty string quoted, and a double in its shortest exact spelling,
so every value arrives as it left. Each column keeps its type (``POSTGRES_TYPES``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

# DuckDB's type -> PostgreSQL's; DECIMAL(p, s) keeps its precision and scale
POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38, 0)",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "JSON": "jsonb",
}
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "boolean": "BOOLEAN",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    "jsonb": "JSON",
    "json": "JSON",
}
_DECIMAL = re.compile(r"(?:DECIMAL|numeric)\((\d+),\s*(\d+)\)", re.IGNORECASE)


def postgres_type(duckdb_type: str) -> str:
    if decimal := _DECIMAL.fullmatch(duckdb_type):
        return f"numeric({decimal[1]}, {decimal[2]})"
    if duckdb_type not in POSTGRES_TYPES:
        raise ValueError(f"no PostgreSQL type for DuckDB's {duckdb_type}")
    return POSTGRES_TYPES[duckdb_type]


def duckdb_type(postgres_type: str, precision: int | None = None, scale: int | None = None) -> str:
    if postgres_type == "numeric":
        if precision is None:
            raise ValueError("a numeric column without a precision has no exact DuckDB type")
        return f"DECIMAL({precision}, {scale or 0})"
    if postgres_type not in DUCKDB_TYPES:
        raise ValueError(f"no DuckDB type for PostgreSQL's {postgres_type}")
    return DUCKDB_TYPES[postgres_type]


def quoted(*names: str) -> str:
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)


def duckdb_columns(connection: duckdb.DuckDBPyConnection, query: str) -> list[tuple[str, str]]:
    """The columns (name, DuckDB type) a DuckDB query answers with."""
    return [(row[0], row[1]) for row in connection.execute(f"describe {query}").fetchall()]


def postgres_columns(cursor: Any, query: str) -> list[tuple[str, str]]:
    """The columns (name, DuckDB type) a PostgreSQL query answers with: the driver's description of
    an empty answer (no DDL, so a read-only transaction will do), its type ids named by the catalog."""
    cursor.execute(f"select * from ({query}) as described limit 0")
    described = list(cursor.description)
    cursor.execute(
        "select oid, format_type(oid, null) from pg_type where oid = any(%s)", ([c.type_code for c in described],)
    )
    names = dict(cursor.fetchall())
    return [(column.name, duckdb_type(names[column.type_code], column.precision, column.scale)) for column in described]


def duckdb_to_postgres(source: duckdb.DuckDBPyConnection, query: str, cursor: Any, target: str) -> int:
    """The rows of a DuckDB query as the whole content of the PostgreSQL table ``target`` (schema
    and name, quoted): created with the query's columns, or emptied and given the columns it lacks
    (a view may read it, so it is not dropped); the rows copied."""
    columns = duckdb_columns(source, query)
    schema, table = (part.strip('"').replace('""', '"') for part in target.split('"."'))
    cursor.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
        (schema, table),
    )
    existing = {name for (name,) in cursor.fetchall()}
    if not existing:
        cursor.execute(f"create table {target} ({', '.join(f'{quoted(n)} {postgres_type(k)}' for n, k in columns)})")
    else:
        for name, kind in columns:
            if name not in existing:
                cursor.execute(f"alter table {target} add column {quoted(name)} {postgres_type(kind)}")
        cursor.execute(f"truncate {target}")
    with tempfile.TemporaryDirectory(prefix="listings-transfer-") as folder:
        rows = Path(folder) / "rows.csv"
        source.execute(f"copy ({query}) to '{rows}' (format csv, header false)")
        with rows.open("rb") as csv:
            column_list = ", ".join(quoted(name) for name, _ in columns)
            cursor.copy_expert(f"copy {target} ({column_list}) from stdin (format csv)", csv)
    return cursor.rowcount


def postgres_to_duckdb(cursor: Any, query: str, target: duckdb.DuckDBPyConnection, table: str) -> int:
    """The rows of a PostgreSQL query as a new DuckDB table ``table`` (a quoted name); the rows copied."""
    columns = postgres_columns(cursor, query)
    with tempfile.TemporaryDirectory(prefix="listings-transfer-") as folder:
        rows = Path(folder) / "rows.csv"
        with rows.open("wb") as csv:
            cursor.copy_expert(f"copy ({query}) to stdout (format csv)", csv)
        types = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns) + "}"
        target.execute(
            f"create or replace table {table} as select * from read_csv('{rows}', columns = {types}, "
            "header = false, quote = '\"', escape = '\"', nullstr = '', allow_quoted_nulls = false, "
            "auto_detect = false)"
        )
    return target.execute(f"select count(*) from {table}").fetchone()[0]


def copy_schemas_to_postgres(source: duckdb.DuckDBPyConnection, schemas: Sequence[str], cursor: Any) -> dict[str, int]:
    """Every table of ``schemas`` in the DuckDB database into the same schemas in PostgreSQL."""
    copied = {}
    for schema in schemas:
        cursor.execute(f"create schema if not exists {quoted(schema)}")
        tables = source.execute(
            "select table_name from duckdb_tables() where schema_name = ? and database_name = current_database()",
            [schema],
        ).fetchall()
        for (table,) in tables:
            copied[f"{schema}.{table}"] = duckdb_to_postgres(
                source, f"from {quoted(schema, table)}", cursor, quoted(schema, table)
            )
    return copied
