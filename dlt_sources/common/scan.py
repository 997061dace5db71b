"""One account's scan: change detection, removal detection and progress, the same for every provider.

A source feeds the pages it reads to an ``AccountScan`` and yields the arrow tables it returns:
- a record whose content equals the listing's latest stored version is skipped (counted unchanged);
- a *full* scan (one meant to list every listing of the account) that completed retires the
  listings it did not see with a removal row. A scan is not complete when it stopped early, when
  the provider's reported total moved during it (a listing added or removed shifts offset pages
  under the client, so one can be skipped), when it saw fewer listings than that total, or when it
  would retire more than ``max_removed_share`` of the account (an empty answer is more likely a
  fault than a sell-out). An incomplete scan stores what it read and retires nothing.
- a record that fails a field check (``dlt_sources.common.validation``) is quarantined whole in
  ``<table>_quarantine`` with the field and the reason, and not stored as a version: the listing
  keeps its last good one and is not absent. A record with no usable id cannot be matched to a
  listing, so its scan is incomplete.
- ``removal_confirmations`` > 1 asks that many consecutive complete scans to miss a listing before
  it is retired: for APIs without a total, where a shifted page cannot be detected. The removal is
  dated at the first scan that missed it; each scan that misses it before then writes a miss row.
- ``confirm_absence``, for APIs with a single-listing endpoint, asks it about each listing about to
  be retired: a 404 (None) retires it; an answer stores it like any record and keeps it. A listing
  can leave a search without leaving the market (a price above the search's ``price_max``).
- every payload is stored and hashed with the registered credentials masked
  (``dlt_sources.common.secrets``): a link that echoes the key never reaches raw. A page's
  canonical texts are searched for the secrets once; only a page holding one is redacted record by
  record.
- an unchanged record costs its field checks, its canonical text (orjson, common/jsontext.py) and
  its SHA-256, nothing more: the schema-drift walk covers stored versions only, and a scan hands dlt
  only the versions it stores, in tables of at least ``ROWS_PER_TABLE`` rows (the rest at its end): a
  scan where nothing changed gives dlt nothing to normalise or load.
- where list records are summaries and the API has a single-listing endpoint with a ``version``
  (one API's list sends summaries), ``details`` fetches the full record of each new or changed summary, and stores the
  summary merged with it; its hash is ``<hash of the summary>:v<version>``, so an unchanged summary
  costs no request. A detail refresh (``refresh_details``) asks for every listing and stores only
  those whose ``version`` moved: edits to fields the summary does not carry.
The scan's summary, and the time of the last complete full scan (the reconciliation cadence), are
kept in dlt resource state, committed with the load.

Progress is logged under ``dlt_sources.scan`` after the first page and every
``PROGRESS_LOG_SECONDS``, and the summary when the scan ends, in lines ``ScanProgress`` and
``ScanSummary`` both write and parse back: ``listings run`` reads them from the Dagster run's event
log for its live view. A lookup table's scan (a list of tags, say) says so: "tags lookup".
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa

from .raw import LISTING_ID_COLUMN, QuarantineRows, RawRows, canonical_bytes, canonical_json, live_record_hashes
from .secrets import found_in, redact
from .validation import FieldCheck, first_problem, record_id

log = logging.getLogger("dlt_sources.scan")

PROGRESS_LOG_SECONDS = 2.0  # a live view reads them; a line is one row in the run's event log
MAX_REMOVED_SHARE = 0.5  # a complete scan missing more than this share of an account retires nothing
# Stored versions (and records kept aside) are handed to dlt once this many have gathered, at the end
# of the page that reached it, and the rest when the scan ends; not a table per page: dlt derives the
# table's schema again for every arrow table it is given (it keeps no contract cache for arrow, about
# 1 ms a table) and writes each as a Parquet row group of its own.
ROWS_PER_TABLE = 2_000


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
    quarantined: int = 0  # records kept aside: malformed (see dlt_sources.common.validation)
    details_fetched: int = 0  # single-listing requests for records the list only summarises
    answered_when_absent: int = 0  # missed by the scan, but the single-listing endpoint still has them
    new_fields: list[str] = field(default_factory=list)  # payload fields never seen before
    type_changes: list[str] = field(default_factory=list)  # "price: string (was number)"
    complete: bool = False
    incomplete_reason: str | None = None
    reported_total: int | None = None

    def message(self, lookup: str | None = None) -> str:
        """The log line that ends a scan: ``<provider> account 7: full scan complete: 2 pages, 222
        listings (...)``; a lookup's names its table (``<provider> account 1: tags lookup complete:
        ...``). ``ScanSummary.parse`` reads it back."""
        what = f"{lookup} lookup" if lookup else f"{self.kind} scan"
        return (
            f"{self.provider} account {self.account_id}: {what} {'complete' if self.complete else 'finished'}: "
            f"{self.pages} pages, {self.records} {'entries' if lookup else 'listings'} ({self.new} new, "
            f"{self.changed} changed, {self.unchanged} unchanged, {self.quarantined} quarantined), "
            f"{self.removed} removed" + (f"; no removals: {self.incomplete_reason}" if self.incomplete_reason else "")
        )

    @classmethod
    def parse(cls, message: str) -> tuple[ScanSummary, str | None] | None:
        """The summary a ``message`` line carries, and the lookup it is of (None: listings); None
        when the line is not one."""
        match = _SUMMARY_LINE.match(message)
        if match is None:
            return None
        figures = {name: int(match[name]) for name in ("pages", "records", "new", "changed", "unchanged")}
        summary = cls(
            match["provider"],
            match["account"],
            match["kind"] or "full",
            started_at="",
            **figures,
            quarantined=int(match["quarantined"]),
            removed=int(match["removed"]),
            complete=match["state"] == "complete",
            incomplete_reason=match["reason"],
        )
        return summary, match["lookup"]


@dataclass(frozen=True)
class ScanProgress:
    """A scan so far, as its progress line says it: ``<provider> account default: page 2, 200 of
    300 listings read (200 new, 0 changed) in 1 s, about 1 s to go``.

    ``expected``: the listings the whole scan covers, when known: the provider's reported total, or
    (``expected_is_estimate``) as many as the account's last complete full scan read, for APIs that
    send no total. A lookup's line names its table (``tags lookup: page 1, 7 entries
    read ...``)."""

    provider: str
    account_id: str
    pages: int
    records: int
    new: int
    changed: int
    elapsed_s: float
    expected: int | None = None
    expected_is_estimate: bool = False
    eta_s: float | None = None  # seconds to go at the pace so far, when ``expected`` is known
    lookup: str | None = None

    def message(self) -> str:
        total = ""
        if self.expected is not None:
            total = f" of {'about ' if self.expected_is_estimate else ''}{self.expected}"
        eta = f", about {self.eta_s:.0f} s to go" if self.eta_s is not None else ""
        subject = f"{self.lookup} lookup: " if self.lookup else ""
        return (
            f"{self.provider} account {self.account_id}: {subject}page {self.pages}, {self.records}{total} "
            f"{'entries' if self.lookup else 'listings'} read ({self.new} new, {self.changed} changed) "
            f"in {self.elapsed_s:.0f} s{eta}"
        )

    @classmethod
    def parse(cls, message: str) -> ScanProgress | None:
        """The progress a ``message`` line carries; None when the line is not one."""
        match = _PROGRESS_LINE.match(message)
        if match is None:
            return None
        return cls(
            match["provider"],
            match["account"],
            pages=int(match["pages"]),
            records=int(match["records"]),
            new=int(match["new"]),
            changed=int(match["changed"]),
            elapsed_s=float(match["elapsed"]),
            expected=int(match["expected"]) if match["expected"] else None,
            expected_is_estimate=bool(match["about"]),
            eta_s=float(match["eta"]) if match["eta"] else None,
            lookup=match["lookup"],
        )


_LINE_START = r"(?P<provider>\S+) account (?P<account>.+?): "
_PROGRESS_LINE = re.compile(
    _LINE_START + r"(?:(?P<lookup>[\w ]+?) lookup: )?page (?P<pages>\d+), (?P<records>\d+)"
    r"(?: of (?P<about>about )?(?P<expected>\d+))? (?:listings|entries) read \((?P<new>\d+) new, "
    r"(?P<changed>\d+) changed\) in (?P<elapsed>\d+) s(?:, about (?P<eta>\d+) s to go)?$"
)
_SUMMARY_LINE = re.compile(
    _LINE_START + r"(?:(?P<kind>full|incremental) scan|(?P<lookup>[\w ]+?) lookup) (?P<state>complete|finished): "
    r"(?P<pages>\d+) pages, (?P<records>\d+) (?:listings|entries) \((?P<new>\d+) new, (?P<changed>\d+) changed, "
    r"(?P<unchanged>\d+) unchanged, (?P<quarantined>\d+) quarantined\), (?P<removed>\d+) removed"
    r"(?:; no removals: (?P<reason>.*))?$",
    re.DOTALL,
)


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
        checks: Mapping[str, FieldCheck] | None = None,
        removals: RemovalPolicy = RemovalPolicy(),
        table: str = "listings",
        id_column: str = LISTING_ID_COLUMN,
        details: Callable[[str], Mapping[str, Any] | None] | None = None,
        refresh_details: bool = False,
        confirm_absence: Callable[[str], Mapping[str, Any] | None] | None = None,
        lookup: bool = False,
        rows_per_table: int = ROWS_PER_TABLE,
    ) -> None:
        """``lookup``: the table is a lookup list (tags, sources), not listings: the logs say so."""
        self.account_id, self.id_field, self.full = account_id, id_field, full
        self.rows_per_table = rows_per_table
        self.lookup = table.replace("_", " ") if lookup else None
        self.details, self.refresh_details = details, refresh_details
        self.confirm_absence = confirm_absence
        self.volatile = tuple(volatile_fields)
        self.checks = checks or {}
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
        self._quarantine = QuarantineRows(account_id, load_id, table)
        self._new_kept_aside: set[str] = set()
        self._stored_this_scan: dict[str, int] = {}  # listing -> versions this scan stored of it
        self._field_types = FieldTypes()  # of the records stored by this scan
        self._expected_from_last_scan = self._last_full_scan_count() if full else None
        self._started = self._last_log = time.monotonic()

    def _last_full_scan_count(self) -> int | None:
        """How many listings the account's last complete full scan read: what this one will read,
        about, when the provider sends no total (for the progress line's ETA)."""
        last = dlt.current.resource_state().get("last_scan", {}).get(self.account_id) or {}
        return last.get("records") if last.get("kind") == "full" and last.get("complete") else None

    # ---- pages -------------------------------------------------------------------------------------
    def add_page(self, records: Iterable[Mapping[str, Any]], reported_total: int | None = None) -> list[pa.Table]:
        """The versions stored and the records kept aside so far, once ``rows_per_table`` of them have
        gathered (an arrow table of each); else none. ``finish`` returns the rest.

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
        page = list(records)
        summary.records += len(page)
        self._add_records(page)
        self._log_progress()
        return self._take() if len(self._rows) + len(self._quarantine) >= self.rows_per_table else []

    def _add_records(self, records: list[Any], detail: Mapping[str, Any] | None = None) -> None:
        """Listing records: each stored when new or changed, kept aside when malformed. ``detail``: the
        single-listing answer for the one record, when the caller already has it.

        The page's canonical texts are searched for secrets once (``found_in``), and redacted one by
        one only when one is there. Not the body's bytes: a body may spell a secret with escapes
        (``\\/``, ``\\u0041``) that the canonical text writes plainly. Records are checked first and
        compared after, each pass in page order."""
        sound = [(listing_id, record) for record in records if (listing_id := self._sound_id(record)) is not None]
        texts = [canonical_bytes(self._compared(record)) for _, record in sound]
        if texts and found_in(b"\n".join(texts)):  # a secret spans no record: each text is on one line
            texts = [redact(text.decode()).encode() for text in texts]
        for (listing_id, record), text in zip(sound, texts, strict=True):
            self._store_if_changed(listing_id, record, text, detail)

    def _sound_id(self, record: Any) -> str | None:
        """The record's listing id, or None when it has none usable or fails a field check: then it is
        kept aside (quarantined), though a listing with an id counts as present."""
        listing_id = record_id(record, self.id_field)
        if listing_id is None:
            self.mark_incomplete("a record without a usable id was quarantined: its listing cannot be told present")
            self._keep_aside(record, None, self.id_field, f"no usable id: {self._id_value(record)!r}")
            return None
        self._unseen.discard(listing_id)  # present, even if its record is malformed
        if problem := first_problem(record, self.checks):
            self._keep_aside(record, listing_id, *problem)
            if listing_id not in self._known:
                self._new_kept_aside.add(listing_id)  # listed, though not stored yet
            return None
        return listing_id

    def _compared(self, record: Mapping[str, Any]) -> Mapping[str, Any]:
        """What change detection compares: the record without its volatile fields."""
        if not self.volatile:
            return record
        compared = dict(record)
        for name in self.volatile:
            compared.pop(name, None)
        return compared

    def _store_if_changed(
        self, listing_id: str, record: Mapping[str, Any], content: bytes, detail: Mapping[str, Any] | None
    ) -> None:
        """Store a sound record unless its ``content`` (canonical, redacted text of what is compared)
        hashes to the listing's latest stored version."""
        summary = self.summary
        # SHA-256, as raw has always stored it: another function would store every listing again once,
        # and hashlib's (hardware-accelerated) takes about 1 us of a 1.2 KB listing (measured): it stays
        digest = hashlib.sha256(content).hexdigest()
        known = self._known.get(listing_id)
        stored_as_is = True  # the payload is the record read, not a merge with its detail
        if self.details is not None:
            detailed = self._with_detail(listing_id, record, digest, known, detail)
            if detailed is None:
                summary.unchanged += 1
                return
            record, digest = detailed
            stored_as_is = False
        if known == digest:
            summary.unchanged += 1
            return
        if listing_id not in self._known:
            summary.new += 1
            self._new_kept_aside.discard(listing_id)  # counted once, as new
        else:
            summary.changed += 1
        self._known[listing_id] = digest  # a listing met twice in one scan is stored once
        self._field_types.add(record)  # the drift walk: stored versions only
        # without volatile fields the hashed text is the payload: serialise each record once
        payload = content.decode() if stored_as_is and not self.volatile else redact(canonical_json(record))
        # A listing met again in the same scan with other content (a page shifted under the scan, a
        # boundary read twice) is stored again, a microsecond later: both payloads are kept, and the
        # one met last is the latest, for the next scan's change detection and for staging alike
        earlier = self._stored_this_scan.get(listing_id, 0)
        self._stored_this_scan[listing_id] = earlier + 1
        self._rows.add_version(listing_id, payload, digest, self.observed_at + timedelta(microseconds=earlier))

    def _with_detail(
        self,
        listing_id: str,
        summary: Mapping[str, Any],
        summary_digest: str,
        known: str | None,
        detail: Mapping[str, Any] | None = None,
    ) -> tuple[Mapping[str, Any], str] | None:
        """The summary merged with the single-listing answer, and its hash; None when unchanged.

        An unchanged summary is not asked about, except by a detail refresh, which then keeps the
        listing only if its version moved. A listing gone between the list and the request (404 or
        no answer) keeps its summary."""
        known_digest = known.split(":v")[0] if known else None
        if known_digest == summary_digest and not self.refresh_details:
            return None
        answered = detail is not None  # by the absence check: the record read is the detail itself
        if detail is None:
            detail = self.details(listing_id) or {}
            self.summary.details_fetched += 1
        version = detail.get("version")
        if answered and known is not None and known.endswith(f":v{version}"):
            return None  # the version stored: nothing moved
        digest = summary_digest if version is None else f"{summary_digest}:v{version}"
        if digest == known:
            return None
        return {**summary, **detail}, digest

    def mark_incomplete(self, reason: str) -> None:
        """This scan must not retire anything (the first reason is kept)."""
        if self.summary.incomplete_reason is None:
            self.summary.incomplete_reason = reason

    # ---- the end -----------------------------------------------------------------------------------
    def finish(self) -> list[pa.Table]:
        """What ``add_page`` has not returned yet, with a complete full scan's removal rows: a table of
        raw rows and one of records kept aside, each when there are any; records the summary."""
        summary = self.summary
        seen = self._known_at_start - len(self._unseen) + summary.new + len(self._new_kept_aside)
        if self.full and summary.reported_total is not None and seen < summary.reported_total:
            self.mark_incomplete(f"saw {seen} distinct listings of the {summary.reported_total} reported")
        state = dlt.current.resource_state()
        if self.full:
            pending = state.setdefault("absent_since", {}).setdefault(self.account_id, {})
            self._retire(pending)
            if summary.incomplete_reason is None:
                state.setdefault("last_complete_scan_at", {})[self.account_id] = summary.started_at
                if self.refresh_details:
                    state.setdefault("last_detail_refresh_at", {})[self.account_id] = summary.started_at
        self._detect_drift(state.setdefault("payload_fields", {}))  # of every record stored, those asked about too
        summary.complete = self.full and summary.incomplete_reason is None
        summary.finished_at = datetime.now(UTC).isoformat()
        state.setdefault("last_scan", {})[self.account_id] = asdict(summary)
        log.info("%s", summary.message(self.lookup))
        return self._take()

    def _detect_drift(self, known: dict[str, list[str]]) -> None:
        """Fields and value types this scan stored that earlier scans never did; the first scan
        of a resource only records them."""
        first = not known
        for path, types in sorted(self._field_types.types.items()):
            before = set(known.get(path, []))
            if not first and not any(prefix in known for prefix in path_and_parents(path)):
                self.summary.new_fields.append(path)
            elif not first and before and types - before:  # a field seen only null takes any type
                was = ", ".join(sorted(before))
                self.summary.type_changes.append(f"{path}: {', '.join(sorted(types - before))} (was {was})")
            known[path] = sorted(before | types)
        if self.summary.new_fields or self.summary.type_changes:
            log.warning(
                "%s: schema drift: new fields %s; type changes %s",
                self._where,
                self.summary.new_fields or "none",
                self.summary.type_changes or "none",
            )

    def _keep_aside(self, record: Any, listing_id: str | None, field: str, reason: str) -> None:
        self.summary.quarantined += 1
        log.warning(
            "%s: record %s quarantined: %s: %s",
            self._where,
            listing_id or "without id",
            field,
            reason,
        )
        self._quarantine.add(listing_id, field, redact(reason), redact(canonical_json(record)), self.observed_at)

    @property
    def _where(self) -> str:
        where = f"{self.summary.provider} account {self.account_id}"
        return f"{where}: {self.lookup} lookup" if self.lookup else where

    def _id_value(self, record: Any) -> Any:
        return record.get(self.id_field) if isinstance(record, Mapping) else record

    def _take(self) -> list[pa.Table]:
        return [table for table in (self._rows.take_table(), self._quarantine.take_table()) if table is not None]

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
                self._rows.add_miss(listing_id, self.observed_at)  # not seen by this scan (last_seen_at)
                continue
            pending.pop(listing_id, None)
            if self.confirm_absence is not None and (answer := self.confirm_absence(listing_id)) is not None:
                summary.answered_when_absent += 1  # still there: out of the search, not off the market
                self._add_records([answer], detail=answer)
                continue
            self._rows.add_removal(listing_id, datetime.fromisoformat(first_missed_at))
            summary.removed += 1
        summary.removal_pending = len(pending)

    def _log_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_log < PROGRESS_LOG_SECONDS and self.summary.pages > 1:
            return
        self._last_log = now
        summary, elapsed = self.summary, now - self._started
        expected, estimate = summary.reported_total, False
        if expected is None and self._expected_from_last_scan is not None:
            expected, estimate = self._expected_from_last_scan, True
        eta = None
        if expected and summary.records and elapsed > 0:
            eta = max(expected - summary.records, 0) * elapsed / summary.records
        progress = ScanProgress(
            summary.provider,
            self.account_id,
            pages=summary.pages,
            records=summary.records,
            new=summary.new,
            changed=summary.changed,
            elapsed_s=elapsed,
            expected=expected,
            expected_is_estimate=estimate,
            eta_s=eta,
            lookup=self.lookup,
        )
        log.info("%s", progress.message())


def reconciliation_due(account_id: str, every_hours: float) -> bool:
    """Whether an account whose runs are incremental needs a full (reconciliation) scan now: none
    has completed yet, or the last one is older than ``every_hours``. Call inside a dlt resource."""
    last = _state_time("last_complete_scan_at", account_id)
    return last is None or _older_than(last, every_hours)


def detail_refresh_due(account_id: str, every_hours: float) -> bool:
    """Whether a scan of summaries should ask for every listing's detail now (see ``AccountScan``):
    the last refresh is older than ``every_hours`` (0: never). The first scan asks for every detail
    anyway, every listing being new, and counts as one. Call inside a dlt resource."""
    last = _state_time("last_detail_refresh_at", account_id) or _state_time("last_complete_scan_at", account_id)
    return every_hours > 0 and last is not None and _older_than(last, every_hours)


def _state_time(key: str, account_id: str) -> str | None:
    return dlt.current.resource_state().get(key, {}).get(account_id)


def _older_than(moment: str, hours: float) -> bool:
    return (datetime.now(UTC) - datetime.fromisoformat(moment)).total_seconds() >= hours * 3600


_JSON_TYPES = {str: "string", bool: "boolean", int: "number", float: "number", list: "array"}


DRIFT_DEPTH = 3  # object levels walked into: deeper keys may be data (ids as keys), not schema


class FieldTypes:
    """Each field's JSON types by dotted path over the records added, objects walked into; a null
    marks the field present.

    Records of one API mostly share a shape (the same fields, with values of the same types), so
    a shape met before is not walked again at its level: only its nested objects are, whose fields
    the shape remembers. In a full load this walk was half the scan's own CPU time, and still a
    tenth of an Apimo step's while it looped over every field of a known shape: 65 us -> 24 us an
    Apimo record (the types found are the same, for every provider's records at 100k listings).
    """

    def __init__(self) -> None:
        self.types: dict[str, set[str]] = {}
        self._objects_in: dict[tuple, tuple[str, ...]] = {}  # a shape met -> its fields holding objects

    def add(self, record: Mapping[str, Any], prefix: str = "", depth: int = 1) -> None:
        shape = (prefix, tuple(record), tuple(map(type, record.values())))
        objects = self._objects_in.get(shape)
        if objects is None:
            objects = self._objects_in[shape] = self._types_of_new_shape(record, prefix, depth)
        for name in objects:
            self.add(record[name], f"{prefix}{name}.", depth + 1)  # a nested object's shape is its own

    def _types_of_new_shape(self, record: Mapping[str, Any], prefix: str, depth: int) -> tuple[str, ...]:
        """Record the types of the fields of a shape met for the first time; returns its fields that
        hold objects to walk into."""
        objects = []
        for name, value in record.items():
            if isinstance(value, Mapping) and depth < DRIFT_DEPTH:
                objects.append(name)
            elif value is None:
                self.types.setdefault(f"{prefix}{name}", set())  # present: a value later is not a new field
            else:
                self.types.setdefault(f"{prefix}{name}", set()).add(_JSON_TYPES.get(type(value), "object"))
        return tuple(objects)


def path_and_parents(path: str) -> list[str]:
    """``a.b.c`` -> ``a.b.c``, ``a.b``, ``a``: a field under one that was seen null is not new."""
    parts = path.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
