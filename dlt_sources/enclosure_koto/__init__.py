"""Enclosure and Koto: one US listings API on two hosts, run as two configured instances.

``enclosure_source`` and ``koto_source`` are the same dlt source under two names: each reads its own
configuration section (``[sources.enclosure]``, ``[sources.koto]``), lands in its own dataset and
keeps its own state.

Endpoint: ``GET /v1/listings`` with ``key`` in the query string (403 when wrong), at most 50
results, no page parameter and no total; every search needs a constraint (``latitude`` +
``longitude`` + ``radius``, ``territory``, ``zip_codes`` or ``mls_numbers``). Only active and
pending listings are served, so a sold or withdrawn listing simply stops appearing; before a full
scan retires a listing it no longer finds, ``GET /v1/listings/{id}`` (enclosure_koto.txt:15-25) is
asked: "no such listing" (404) retires it, an answer is stored (a listing that left a search's
filters is not removed: one request per such listing, each full scan). The key in the
URL is registered as a secret: logs are redacted by value, and request errors are reported by path
only (``common.errors``).

Incremental strategy, per configured search:
- full scan: keyset paging on ``created_min`` with ``sort_by=created_at`` (ascending, the documented
  default direction), 50 at a time; listings that share the boundary second are read again rather
  than skipped (see ``helpers``), so a scan of N listings takes about N / 49 + 1 requests. A second
  that holds more than a page of a search's listings is read again in ``price_min``/``price_max``
  slices (enclosure_koto.txt:48-49) inside the search's own price filters, at most
  ``3 * n / 25 - 3`` more requests for n listings in that second (``helpers.split_request_bound``).
  The scan is complete when the last page comes back short and every slice was read whole, and,
  over all searches, is a reconciliation. A slice that cannot be read whole (50 or more listings of
  one second at one price, a listing without a price) leaves the scan incomplete: it stores what it
  read and retires nothing.
- recent-update read: one request for the 50 most recently updated listings (the API's default
  order, ``updated_at desc``). If the oldest of them is newer than the cursor (the last run's
  newest ``updated_at`` minus ``cursor_overlap_seconds``), there may be more changes than one answer
  holds, and that search falls back to a full scan.
The first run, ``full_scan``, and a last complete full scan older than ``reconcile_every_hours`` make
a full scan; other runs make recent-update reads. The cursor moves only with a successful load.

Configuration (``[sources.enclosure]`` / ``SOURCES__ENCLOSURE__*``, the same for ``koto``):
``base_url`` (``https://api.enclosurehomes.com/v1`` or ``https://api.kotohomes.com/v1``), ``key``
(secret), ``account_id``, ``searches`` (a list of constraint sets, each one search, e.g.
``[{"territory": "ter_west"}, {"latitude": 38.9, "longitude": -77.0, "radius": 20}]`` or
``[{"zip_codes": ["10001", "10002"]}]``), ``filters`` (other documented search parameters applied
to every search, e.g. ``{"type": "for_sale"}``; ``price_min``/``price_max`` integers, :48-49),
``cursor_overlap_seconds``,
``reconcile_every_hours``, ``full_scan``, ``removal_confirmations``, ``max_removed_share``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import SinglePagePaginator

from dlt_sources.common.errors import SettingsCheck, guarded_pages
from dlt_sources.common.scan import MAX_REMOVED_SHARE, AccountScan, RemovalPolicy, reconciliation_due
from dlt_sources.common.secrets import register_secrets
from dlt_sources.common.validation import number_or_null, timestamp_with_offset

from .helpers import CreatedAtKeysetPaginator, listing_by_id, parse_time, query_params, search_client
from .settings import (
    CONSTRAINTS,
    CURSOR_OVERLAP_SECONDS,
    FILTERS,
    GEO_CONSTRAINT,
    KEYSET_SORT,
    LISTINGS_PATH,
    PAGE_SIZE,
    RECONCILE_EVERY_HOURS,
)

# what a record must pass to be stored; one that fails is quarantined (common/validation.py)
FIELD_CHECKS = {"price": number_or_null, "updated_at": timestamp_with_offset}  # the cursor reads updated_at


@dlt.source(name="enclosure_koto", max_table_nesting=0)
def enclosure_koto_source(
    base_url: str = dlt.config.value,
    key: str = dlt.secrets.value,
    account_id: str = "default",
    searches: list[dict[str, Any]] | None = None,
    filters: dict[str, Any] | None = None,
    cursor_overlap_seconds: int = CURSOR_OVERLAP_SECONDS,
    reconcile_every_hours: float = RECONCILE_EVERY_HOURS,
    full_scan: bool = False,
    removal_confirmations: int = 1,
    max_removed_share: float = MAX_REMOVED_SHARE,
) -> dlt.sources.DltResource:
    instance = dlt.current.source_schema().name  # "enclosure" or "koto"
    register_secrets(key)
    check = SettingsCheck(instance)
    base_url = check.base_url(base_url)
    check.require(
        bool(searches),
        'searches must hold at least one search with a constraint, e.g. [{"territory": "ter_west"}]: '
        f"the API needs {' + '.join(GEO_CONSTRAINT)}, or one of {', '.join(CONSTRAINTS)}",
    )
    for search in searches or []:
        check_search(check, search)
    unknown = set(filters or {}) - set(FILTERS)
    check.require(not unknown, f"filters {sorted(unknown)} are not documented search filters")
    for name in ("price_min", "price_max"):  # integers (enclosure_koto.txt:48-49); the price slices cut them
        value = (filters or {}).get(name)
        check.require(
            value is None or (isinstance(value, int) and not isinstance(value, bool)),
            f"filters {name} must be a whole number of dollars, not {value!r}",
        )
    return listings(
        check,
        instance,
        search_client(instance, account_id, base_url, key),
        account_id,
        [{**search, **(filters or {})} for search in searches or []],
        cursor_overlap_seconds,
        0.0 if full_scan else reconcile_every_hours,
        RemovalPolicy(removal_confirmations, max_removed_share),
    )


def check_search(check: SettingsCheck, search: Any) -> None:
    """A search must hold a constraint the API accepts, and nothing else."""
    if not isinstance(search, dict):
        check.require(False, f"each search must be a mapping of parameters, not {search!r}")
        return
    geo = [name for name in GEO_CONSTRAINT if search.get(name) is not None]
    check.require(
        len(geo) in (0, len(GEO_CONSTRAINT)), f"search {search}: give latitude, longitude and radius together"
    )
    check.require(
        bool(geo) or any(search.get(name) for name in CONSTRAINTS),
        f"search {search} has no constraint: add {' + '.join(GEO_CONSTRAINT)} or one of {', '.join(CONSTRAINTS)}",
    )
    unknown = set(search) - set(GEO_CONSTRAINT) - set(CONSTRAINTS)
    check.require(not unknown, f"search {search}: {sorted(unknown)} are not constraints (put filters in filters)")


@dlt.resource(name="listings", write_disposition="append")
def listings(
    check: SettingsCheck,
    instance: str,
    client: RESTClient,
    account_id: str,
    searches: list[dict[str, Any]],
    cursor_overlap_seconds: int,
    reconcile_every_hours: float,
    removals: RemovalPolicy,
) -> Iterator[pa.Table]:
    """New and changed listing versions over every search, and the removals full scans find."""
    check.raise_if_invalid()
    cursors: dict[str, str] = dlt.current.resource_state().setdefault("updated_at_cursor", {})
    full = account_id not in cursors or reconciliation_due(account_id, reconcile_every_hours)
    scan = AccountScan(
        instance,
        account_id,
        full=full,
        checks=FIELD_CHECKS,
        removals=removals,
        # a listing that left every search (a price above `price_max`, a sale: only active and pending
        # are searched) is asked about: only "no such listing" retires it
        confirm_absence=lambda listing_id: listing_by_id(client, instance, account_id, listing_id),
    )
    newest = cursors.get(account_id)
    since = None if full else parse_time(newest) - timedelta(seconds=cursor_overlap_seconds)
    for search in searches:
        recent: list[dict[str, Any]] = []
        if since is not None:
            pages = client.paginate(
                LISTINGS_PATH, params={**query_params(search), "limit": PAGE_SIZE}, paginator=SinglePagePaginator()
            )
            recent = [record for page in guarded_pages(pages, instance, account_id) for record in page]
            oldest = min(updated_times(recent), default=None)
            if len(recent) < PAGE_SIZE or (oldest is not None and oldest < since):
                # every change since the cursor fits this one answer (newest first)
                yield from scan.add_page(recent)
                newest = newest_update(newest, recent)
                continue
        paginator = CreatedAtKeysetPaginator(PAGE_SIZE)
        params = {**query_params(search), "sort_by": KEYSET_SORT, "limit": PAGE_SIZE}
        pages = client.paginate(LISTINGS_PATH, params=params, paginator=paginator)
        for page in guarded_pages(pages, instance, account_id):
            newest = newest_update(newest, page)
            yield from scan.add_page(page)
        if not paginator.complete:
            scan.mark_incomplete("the keyset scan stopped before its last page")
        if paginator.unread:
            shown = "; ".join(paginator.unread[:5]) + ("; ..." if len(paginator.unread) > 5 else "")
            scan.mark_incomplete(f"search {search}: {len(paginator.unread)} slice(s) not read whole: {shown}")
    yield from scan.finish()
    if newest is not None:
        cursors[account_id] = newest  # moves with the load: dlt commits resource state only when it succeeds


def newest_update(current: str | None, records: list[dict[str, Any]]) -> str | None:
    stamps = [record["updated_at"] for record in records if readable_update(record)] + ([current] if current else [])
    return max(stamps, key=parse_time) if stamps else None


def updated_times(records: list[dict[str, Any]]) -> list[datetime]:
    return [parse_time(record["updated_at"]) for record in records if readable_update(record)]


def readable_update(record: dict[str, Any]) -> bool:
    """Whether the record's update time can be read (a malformed record is quarantined, not trusted)."""
    try:
        timestamp_with_offset(record.get("updated_at"))
    except ValueError:
        return False
    return True


enclosure_source = enclosure_koto_source.clone(name="enclosure", section="enclosure")
koto_source = enclosure_koto_source.clone(name="koto", section="koto")
