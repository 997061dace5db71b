"""One account's scan: change detection, removal detection and progress, the same for every provider.

A source feeds the pages it reads to an ``AccountScan`` and yields the arrow tables it returns:
- a record whose content equals the listing's latest stored version is skipped (counted unchanged);
- a *full* scan (one meant to list every listing of the account) that completed retires the
  listings it did not see with a removal row. A scan is not complete when it stopped early, when
  the provider's reported total moved during it (a listing added or removed shifts offset pages
  under the client, so one can be skipped), when it saw fewer listings than that total, or when it
  would retire more than ``max_removed_share`` of the account (an empty answer is more likely a
  fault than a sell-out). An incomplete scan stores what it read and retires nothing.
- ``removal_confirmations`` > 1 asks that many consecutive complete scans to miss a listing before
  it is retired: for APIs without a total, where a shifted page cannot be detected. The removal is
  dated at the first scan that missed it.
The scan's summary, and the time of the last complete full scan (the reconciliation cadence), are
kept in dlt resource state, committed with the load.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa

from .raw import LISTING_ID_COLUMN, RawRows, canonical_json, live_record_hashes

log = logging.getLogger("dlt_sources.scan")

PROGRESS_LOG_SECONDS = 10.0
MAX_REMOVED_SHARE = 0.5  # a complete scan missing more than this share of an account retires nothing


@dataclass(frozen=True)
class RemovalPolicy:
    """When a complete full scan's absences become removals (see the module docstring)."""

    confirmations: int = 1
    max_removed_share: float = MAX_REMOVED_SHARE

    def __post_init__(self) -> None:
        if self.confirmations < 1 or not 0 < self.max_removed_share <= 1:
            raise ValueError("removal_confirmations must be >= 1 and max_removed_share in (0, 1]")


@dataclass
class ScanSummary:
    provider: str
    account_id: str
    kind: str  # "full" or "incremental"
    started_at: str
    load_id: str | None = None
    finished_at: str | None = None
    pages: int = 0
    records: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    removal_pending: int = 0  # missed by this complete scan, awaiting confirmation
    complete: bool = False
    incomplete_reason: str | None = None
    reported_total: int | None = None


class AccountScan:
    """Feed it every page of one account's scan in order, then call ``finish``. Use inside a dlt
    resource: it reads what the running pipeline's destination holds and keeps state in the resource."""

    def __init__(
        self,
        provider: str,
        account_id: str,
        *,
        full: bool,
        id_field: str = "id",
        volatile_fields: Iterable[str] = (),
        removals: RemovalPolicy = RemovalPolicy(),
        table: str = "listings",
        id_column: str = LISTING_ID_COLUMN,
    ) -> None:
        self.account_id, self.id_field, self.full = account_id, id_field, full
        self.volatile = tuple(volatile_fields)
        self.removals = removals
        self.observed_at = datetime.now(UTC)
        load_id = dlt.current.load_package_state()["load_id"]
        self.summary = ScanSummary(
            provider, account_id, "full" if full else "incremental", self.observed_at.isoformat(), load_id
        )
        self._known = live_record_hashes(dlt.current.pipeline(), account_id, table, id_column)
        self._known_at_start = len(self._known)
        self._unseen = set(self._known) if full else set()
        self._rows = RawRows(account_id, load_id, id_column)
        self._started = self._last_log = time.monotonic()

    # ---- pages -------------------------------------------------------------------------------------
    def add_page(self, records: Iterable[Mapping[str, Any]], reported_total: int | None = None) -> list[pa.Table]:
        """The page's new and changed listing versions: one arrow table, or none if nothing changed.

        ``reported_total``: the provider's count of listings the whole scan covers, when it sends one.
        """
        summary = self.summary
        summary.pages += 1
        if reported_total is not None:
            if summary.reported_total is not None and reported_total != summary.reported_total:
                self.mark_incomplete(
                    f"the reported total moved from {summary.reported_total} to {reported_total} during the scan"
                )
            summary.reported_total = reported_total
        for record in records:
            summary.records += 1
            listing_id = str(record[self.id_field])
            content = canonical_json(
                {k: v for k, v in record.items() if k not in self.volatile} if self.volatile else record
            )
            digest = hashlib.sha256(content.encode()).hexdigest()
            self._unseen.discard(listing_id)
            known = self._known.get(listing_id)
            if known == digest:
                summary.unchanged += 1
                continue
            if known is None:
                summary.new += 1
            else:
                summary.changed += 1
            self._known[listing_id] = digest  # a listing met twice in one scan is stored once
            # without volatile fields the hashed text is the payload: serialise each record once
            payload = canonical_json(record) if self.volatile else content
            self._rows.add_version(listing_id, payload, digest, self.observed_at)
        self._log_progress()
        return self._take()

    def mark_incomplete(self, reason: str) -> None:
        """This scan must not retire anything (the first reason is kept)."""
        if self.summary.incomplete_reason is None:
            self.summary.incomplete_reason = reason

    # ---- the end -----------------------------------------------------------------------------------
    def finish(self) -> list[pa.Table]:
        """Removal rows for a complete full scan (one table, or none); records the summary."""
        summary = self.summary
        seen = self._known_at_start - len(self._unseen) + summary.new
        if self.full and summary.reported_total is not None and seen < summary.reported_total:
            self.mark_incomplete(f"saw {seen} distinct listings of the {summary.reported_total} reported")
        state = dlt.current.resource_state()
        if self.full:
            pending = state.setdefault("absent_since", {}).setdefault(self.account_id, {})
            self._retire(pending)
            if summary.incomplete_reason is None:
                state.setdefault("last_complete_scan_at", {})[self.account_id] = summary.started_at
        summary.complete = self.full and summary.incomplete_reason is None
        summary.finished_at = datetime.now(UTC).isoformat()
        state.setdefault("last_scan", {})[self.account_id] = asdict(summary)
        log.info(
            "%s account %s: %s scan %s: %d pages, %d listings (%d new, %d changed, %d unchanged), %d removed%s",
            summary.provider,
            self.account_id,
            summary.kind,
            "complete" if summary.complete else "finished",
            summary.pages,
            summary.records,
            summary.new,
            summary.changed,
            summary.unchanged,
            summary.removed,
            f"; no removals: {summary.incomplete_reason}" if summary.incomplete_reason else "",
        )
        return self._take()

    def _take(self) -> list[pa.Table]:
        table = self._rows.take_table()
        return [] if table is None else [table]

    def _retire(self, pending: dict[str, list]) -> None:
        """Retire the listings this complete scan missed (after enough confirmations)."""
        summary = self.summary
        for listing_id in [listing_id for listing_id in pending if listing_id not in self._unseen]:
            del pending[listing_id]  # seen again (or already retired): no longer in doubt
        if (
            summary.incomplete_reason is None
            and len(self._unseen) > self.removals.max_removed_share * self._known_at_start
        ):
            self.mark_incomplete(
                f"{len(self._unseen)} of {self._known_at_start} listings missing exceeds max_removed_share "
                f"{self.removals.max_removed_share}; raise it to accept"
            )
        if summary.incomplete_reason is not None:
            return
        for listing_id in sorted(self._unseen):
            first_missed_at, misses = pending.get(listing_id, (summary.started_at, 0))
            if misses + 1 < self.removals.confirmations:
                pending[listing_id] = [first_missed_at, misses + 1]
                continue
            pending.pop(listing_id, None)
            self._rows.add_removal(listing_id, datetime.fromisoformat(first_missed_at))
            summary.removed += 1
        summary.removal_pending = len(pending)

    def _log_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_log < PROGRESS_LOG_SECONDS and self.summary.pages > 1:
            return
        self._last_log = now
        summary, elapsed = self.summary, now - self._started
        eta = ""
        if summary.reported_total and summary.records and elapsed > 0:
            remaining = max(summary.reported_total - summary.records, 0)
            eta = f", about {remaining * elapsed / summary.records:.0f} s to go"
        total = f" of {summary.reported_total}" if summary.reported_total is not None else ""
        log.info(
            "%s account %s: page %d, %d%s listings read (%d new, %d changed) in %.0f s%s",
            summary.provider,
            self.account_id,
            summary.pages,
            summary.records,
            total,
            summary.new,
            summary.changed,
            elapsed,
            eta,
        )


def reconciliation_due(account_id: str, every_hours: float) -> bool:
    """Whether an account whose runs are incremental needs a full (reconciliation) scan now: none
    has completed yet, or the last one is older than ``every_hours``. Call inside a dlt resource."""
    last = dlt.current.resource_state().get("last_complete_scan_at", {}).get(account_id)
    if last is None:
        return True
    elapsed = datetime.now(UTC) - datetime.fromisoformat(last)
    return elapsed.total_seconds() >= every_hours * 3600
