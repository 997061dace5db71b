"""The raw layer's one table shape, and change detection against what is already stored.

Every provider lands listings the same way: one row per observed version of a payload, the payload
kept whole as JSON text (no dlt child tables: nested parts stay inside it), with its hash, the
moment it was observed and the dlt load id. Rows are built as arrow tables, which dlt loads into
DuckDB without its row-by-row normaliser, the slow path measured in PITFALLS.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.destination.exceptions import DestinationUndefinedEntity

RAW_LISTING_COLUMNS: dict[str, dict[str, Any]] = {
    "account_id": {"data_type": "text", "nullable": False},
    "source_listing_id": {"data_type": "text", "nullable": False},
    # Canonical JSON text. dlt's arrow path has no JSON type (it would warn on every page and
    # coerce anyway); text keeps every destination happy and DuckDB's JSON functions read it as is.
    "payload": {"data_type": "text", "nullable": False},
    "payload_hash": {"data_type": "text", "nullable": False},
    "observed_at": {"data_type": "timestamp", "nullable": False},
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}
_ARROW_TYPES = {"observed_at": pa.timestamp("us", tz="UTC")}
_ARROW_SCHEMA = pa.schema(
    [pa.field(name, _ARROW_TYPES.get(name, pa.string()), nullable=False) for name in RAW_LISTING_COLUMNS]
)

ListingKey = tuple[str, str]  # (account_id, source_listing_id)


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hashed_content(payload: Mapping[str, Any], volatile_fields: tuple[str, ...]) -> str:
    """The canonical JSON that change detection hashes: the payload without the fields a provider
    recomputes on every read. A field like ActuallyCare's ``days_on_market`` changes daily for every
    listing; hashing it would store every listing again every day although nothing changed."""
    if not volatile_fields:
        return canonical_json(payload)
    return canonical_json({key: value for key, value in payload.items() if key not in volatile_fields})


def changed_listings_table(
    records: Iterable[Mapping[str, Any]],
    *,
    account_id: str,
    id_field: str,
    known_hashes: dict[ListingKey, str],
    volatile_fields: Iterable[str] = (),
    observed_at: datetime | None = None,
) -> pa.Table | None:
    """An arrow table of the records whose content differs from the latest stored version.

    ``known_hashes`` is updated in place, so a listing seen twice in one scan (a page shifted under
    the client) is stored once.
    """
    observed_at = observed_at or datetime.now(UTC)
    load_id = dlt.current.load_package_state()["load_id"]
    volatile = tuple(volatile_fields)
    rows: dict[str, list[Any]] = {name: [] for name in _ARROW_SCHEMA.names}
    for record in records:
        key = (account_id, str(record[id_field]))
        content = _hashed_content(record, volatile)
        digest = hashlib.sha256(content.encode()).hexdigest()
        if known_hashes.get(key) == digest:
            continue
        known_hashes[key] = digest
        rows["account_id"].append(account_id)
        rows["source_listing_id"].append(key[1])
        # without volatile fields the hashed text is the payload: serialise each record once
        rows["payload"].append(canonical_json(record) if volatile else content)
        rows["payload_hash"].append(digest)
        rows["observed_at"].append(observed_at)
        rows["_dlt_load_id"].append(load_id)
    if not rows["payload"]:
        return None
    return pa.table(rows, schema=_ARROW_SCHEMA)


def latest_payload_hashes(pipeline: dlt.Pipeline, table: str = "listings") -> dict[ListingKey, str]:
    """The hash of the latest committed version of every listing already in raw.

    Only rows of loads that completed (status 0 in ``_dlt_loads``) count: a crashed load's rows are
    not a version the warehouse has.
    """
    # plain SQL (no DuckDB-only functions) so a bigger destination stays a config change
    query = f"""
        select account_id, source_listing_id, payload_hash
        from (
            select account_id, source_listing_id, payload_hash,
                   row_number() over (
                       partition by account_id, source_listing_id order by observed_at desc, _dlt_load_id desc
                   ) as version_rank
            from {table}
            where _dlt_load_id in (select load_id from _dlt_loads where status = 0)
        ) as versions
        where version_rank = 1
    """
    try:
        with pipeline.sql_client() as client:
            rows = client.execute_sql(query)
    except DestinationUndefinedEntity:  # first run: nothing stored yet
        return {}
    return {(account, listing_id): digest for account, listing_id, digest in rows or []}


def new_listing_versions(
    pages: Iterable[list[dict[str, Any]]],
    *,
    account_id: str,
    id_field: str = "id",
    volatile_fields: Iterable[str] = (),
) -> Iterator[pa.Table]:
    """Arrow tables of the listing versions in ``pages`` that raw does not hold yet, page by page.

    Call it inside a dlt resource: it compares with what the running pipeline's destination holds.
    """
    known = latest_payload_hashes(dlt.current.pipeline())
    volatile = tuple(volatile_fields)
    for page in pages:
        table = changed_listings_table(
            page, account_id=account_id, id_field=id_field, known_hashes=known, volatile_fields=volatile
        )
        if table is not None:
            yield table
