"""The raw layer's one table shape, and what raw already holds for an account.

Every provider lands listings the same way, in one append-only ``listings`` table per dataset that is
the whole timeline of every listing (lookup lists, such as a provider's tags, take the same shape
with ``source_record_id`` for their ids):
- a *version* row for each observed payload that differs from the listing's latest stored one: the
  payload kept whole as JSON text (no dlt child tables: nested parts stay inside it), its hash, the
  moment it was observed and the dlt load id;
- a *removal* row (``is_removal``, no payload) when a complete scan no longer finds the listing.
  A listing that comes back gets a version row again, even if its payload is unchanged;
- a *miss* row (neither a payload nor ``is_removal``) when a complete scan did not find the listing
  but its removal awaits confirmation by more scans (``removal_confirmations``): that scan did not
  see it. Seen again, it gets a version row again, as after a removal.
Rows are built as arrow tables, which dlt loads into DuckDB without its row-by-row normaliser (the
slow path measured in PITFALLS.md). The arrow schema is the table's declaration (types and
nullability); the resources carry no column hints, since dlt would copy a resource's hints into
every other table it writes, such as ``<table>_quarantine``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.destination.exceptions import DestinationUndefinedEntity

from .jsontext import canonical_bytes, canonical_json

__all__ = ["canonical_bytes", "canonical_json"]  # the payload text: hashed and stored (common/jsontext.py)

LISTING_ID_COLUMN = "source_listing_id"
RECORD_ID_COLUMN = "source_record_id"  # lookup tables

# What a scan holds while it reads what raw already has (``live_record_hashes``), given the purpose.
# Whoever runs the pipeline sets it for the span of an extract: the orchestration passes the
# warehouse lock, since DuckDB lets no one open the file while another process loads into it. Alone
# (a test, a notebook), a read holds nothing.
ReadGuard = Callable[[str], AbstractContextManager[None]]
_raw_read_guard: ContextVar[ReadGuard] = ContextVar("raw_read_guard", default=lambda purpose: nullcontext())


@contextmanager
def raw_reads_guarded_by(guard: ReadGuard) -> Iterator[None]:
    """Every read of raw by a scan within this block holds ``guard(purpose)``."""
    token = _raw_read_guard.set(guard)
    try:
        yield
    finally:
        _raw_read_guard.reset(token)


def raw_columns(id_column: str = LISTING_ID_COLUMN) -> dict[str, dict[str, Any]]:
    """The raw table's columns as dlt column hints (its arrow schema is built from them)."""
    return {(id_column if name == LISTING_ID_COLUMN else name): dict(hints) for name, hints in _RAW_COLUMNS.items()}


_RAW_COLUMNS: dict[str, dict[str, Any]] = {
    "account_id": {"data_type": "text", "nullable": False},
    LISTING_ID_COLUMN: {"data_type": "text", "nullable": False},
    "is_removal": {"data_type": "bool", "nullable": False},
    # Canonical JSON text, null on removal rows. dlt's arrow path has no JSON type (it would warn on
    # every page and coerce anyway); text keeps every destination happy and DuckDB reads it as JSON.
    "payload": {"data_type": "text", "nullable": True},
    "payload_hash": {"data_type": "text", "nullable": True},
    "observed_at": {"data_type": "timestamp", "nullable": False},
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}
_ARROW_TYPES = {"observed_at": pa.timestamp("us", tz="UTC"), "is_removal": pa.bool_()}


def _arrow_schema(id_column: str) -> pa.Schema:
    return pa.schema(
        [
            pa.field(name, _ARROW_TYPES.get(name, pa.string()), nullable=hints["nullable"])
            for name, hints in raw_columns(id_column).items()
        ]
    )


class RawRows:
    """Rows of one account for a raw table, collected column by column."""

    def __init__(self, account_id: str, load_id: str, id_column: str = LISTING_ID_COLUMN) -> None:
        self.account_id, self.load_id = account_id, load_id
        self._schema = _arrow_schema(id_column)
        self._columns: dict[str, list[Any]] = {name: [] for name in self._schema.names}

    def __len__(self) -> int:
        return len(self._columns["account_id"])

    def add_version(self, listing_id: str, payload: str, payload_hash: str, observed_at: datetime) -> None:
        self._add(listing_id, False, payload, payload_hash, observed_at)

    def add_removal(self, listing_id: str, observed_at: datetime) -> None:
        self._add(listing_id, True, None, None, observed_at)

    def add_miss(self, listing_id: str, observed_at: datetime) -> None:
        self._add(listing_id, False, None, None, observed_at)

    def _add(self, listing_id: str, is_removal: bool, payload: str | None, digest: str | None, at: datetime) -> None:
        values = (self.account_id, listing_id, is_removal, payload, digest, at, self.load_id)
        for column, value in zip(self._columns.values(), values, strict=True):  # in schema order
            column.append(value)

    def take_table(self) -> pa.Table | None:
        """The rows collected so far as one arrow table (None when there are none); starts afresh."""
        if not self:
            return None
        table = pa.table(self._columns, schema=self._schema)
        self._columns = {name: [] for name in self._schema.names}
        return table


QUARANTINE_SUFFIX = "_quarantine"
_QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field(RECORD_ID_COLUMN, pa.string(), nullable=True),  # null: the record had no usable id
        pa.field("field", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("payload", pa.string(), nullable=False),  # the record whole, as received
        pa.field("observed_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("_dlt_load_id", pa.string(), nullable=False),
    ]
)


_QUARANTINE_COLUMNS = {
    field.name: {
        "data_type": "timestamp" if field.name == "observed_at" else "text",
        "nullable": field.nullable,
    }
    for field in _QUARANTINE_SCHEMA
}


class QuarantineRows:
    """Records kept aside, with the field and the reason, in ``<table>_quarantine`` beside the raw table."""

    def __init__(self, account_id: str, load_id: str, table: str) -> None:
        self.account_id, self.load_id, self.table = account_id, load_id, table + QUARANTINE_SUFFIX
        self._rows: list[tuple] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, record_id: str | None, field: str, reason: str, payload: str, observed_at: datetime) -> None:
        self._rows.append((self.account_id, record_id, field, reason, payload, observed_at, self.load_id))

    def take_table(self) -> Any:
        """The rows so far as an arrow table marked for the quarantine table (None when none)."""
        if not self._rows:
            return None
        columns = [list(column) for column in zip(*self._rows, strict=True)]
        table = pa.table(dict(zip(_QUARANTINE_SCHEMA.names, columns, strict=True)), schema=_QUARANTINE_SCHEMA)
        self._rows = []
        # a table variant with its own columns: the resource's hints describe the listings table
        hints = dlt.mark.make_hints(table_name=self.table, columns=_QUARANTINE_COLUMNS, write_disposition="append")
        return dlt.mark.with_hints(table, hints, create_table_variant=True)


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def live_record_hashes(
    pipeline: dlt.Pipeline, account_id: str, table: str = "listings", id_column: str = LISTING_ID_COLUMN
) -> dict[str, str]:
    """Record id -> hash of the latest stored version, for the account's records that raw holds as
    present (their latest row is a version, not a removal; None when it is a miss row, so a listing
    seen again after a miss is stored again).

    Only rows of loads that completed (status 0 in ``_dlt_loads``) count: a crashed load's rows are
    not a version the warehouse has.
    """
    # plain SQL (no DuckDB-only functions) so a bigger destination stays a config change
    query = f"""
        select {id_column}, payload_hash
        from (
            select {id_column}, payload_hash, is_removal,
                   row_number() over (
                       partition by {id_column} order by observed_at desc, _dlt_load_id desc
                   ) as recency
            from {table}
            where account_id = {_sql_literal(account_id)}
              and _dlt_load_id in (select load_id from _dlt_loads where status = 0)
        ) as timeline
        where recency = 1 and not is_removal
    """
    try:
        with _raw_read_guard.get()("read stored payload hashes"), pipeline.sql_client() as client:
            rows = client.execute_sql(query)
    except DestinationUndefinedEntity:  # first run: nothing stored yet
        return {}
    return dict(rows or [])
