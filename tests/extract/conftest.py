"""Reading what a source landed: the raw ``listings`` timeline of a provider dataset."""

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pytest

from orchestration.settings import warehouse_path


@dataclass(frozen=True)
class RawRow:
    account_id: str
    source_listing_id: str
    is_removal: bool
    payload_hash: str | None
    load_id: str
    observed_at: Any = field(compare=False)
    payload: dict[str, Any] | None = field(compare=False)  # payload_hash stands for it


class RawReader:
    """Rows of ``raw_<provider>.listings`` in load order, and the present state they describe."""

    def rows(self, provider: str) -> list[RawRow]:
        with duckdb.connect(str(warehouse_path()), read_only=True) as con:
            rows = con.execute(f"""
                select account_id, source_listing_id, is_removal, payload, payload_hash, _dlt_load_id, observed_at
                from raw_{provider}.listings order by _dlt_load_id, observed_at
            """).fetchall()
        return [
            RawRow(a, i, r, h, load, at, json.loads(p) if p is not None else None) for a, i, r, p, h, load, at in rows
        ]

    def versions(self, provider: str) -> list[RawRow]:
        return [row for row in self.rows(provider) if not row.is_removal and row.payload is not None]

    def misses(self, provider: str) -> list[RawRow]:
        """Miss rows: a complete scan did not find the listing, its removal awaiting confirmation."""
        return [row for row in self.rows(provider) if not row.is_removal and row.payload is None]

    def removals(self, provider: str) -> set[tuple[str, str]]:
        return {(row.account_id, row.source_listing_id) for row in self.rows(provider) if row.is_removal}

    def repeated_versions(self, provider: str) -> list[tuple[str, str]]:
        """Listings stored twice in a row with the same content (change detection let one through)."""
        last: dict[tuple[str, str], str | None] = {}
        repeated = []
        for row in self.rows(provider):
            key = (row.account_id, row.source_listing_id)
            if not row.is_removal and last.get(key) == row.payload_hash:
                repeated.append(key)
            last[key] = row.payload_hash
        return repeated

    def quarantined(self, provider: str) -> list[tuple[str, str | None, str, str]]:
        """(account, record id, field, reason) of every record kept aside; none when none ever was."""
        with duckdb.connect(str(warehouse_path()), read_only=True) as con:
            try:
                return con.execute(
                    f"select account_id, source_record_id, field, reason from raw_{provider}.listings_quarantine"
                ).fetchall()
            except duckdb.CatalogException:
                return []

    def present(self, provider: str) -> dict[tuple[str, str], dict[str, Any]]:
        """(account, listing id) -> latest payload, for the listings raw holds as neither removed nor
        deleted by the provider (a soft delete the API still serves, estateprime.txt:161)."""
        latest: dict[tuple[str, str], dict[str, Any] | None] = {}
        for row in self.rows(provider):
            if row.is_removal or row.payload is not None:  # a miss row leaves the listing present
                latest[(row.account_id, row.source_listing_id)] = row.payload
        return {key: payload for key, payload in latest.items() if payload is not None and not deleted(payload)}


def deleted(payload: dict[str, Any]) -> bool:
    return payload.get("status") == "deleted"  # EstatePrime's soft delete (estateprime.txt:161)


@pytest.fixture
def raw() -> RawReader:
    return RawReader()


def listed_truth(sandbox: Any, host: str) -> set[tuple[str, str]]:
    """(account, listing id) of every listing the host serves now."""
    return {(row["account_id"], row["source_listing_id"]) for row in sandbox.truth(host) if row["is_listed"]}
