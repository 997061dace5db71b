"""Apimo: French listings of one or more agencies, behind HTTP basic auth ``provider:token``.

Endpoint: ``GET /agencies/{agency_id}/properties`` with ``limit`` (max 200), ``offset`` and
``timestamp`` ("records created or updated since this UNIX timestamp"); the response carries
``total_items``, ``properties`` and ``timestamp``, the latest update in the result. Values are
numeric codes and strings such as ``"rooms": "2.0"``; staging maps and casts them.

Incremental strategy: per agency, a ``timestamp`` cursor kept in dlt's resource state. Each run
asks for everything updated since the last cursor minus an overlap window (an hour by default), so
an update stamped during the previous scan is read again rather than skipped; change detection
drops the re-read payloads that did not change. The cursor moves to the response's ``timestamp``
only with a successful load (dlt commits state with the data), so a crash never skips data.
Deleted properties never appear in an updated-since read, so an agency gets a full scan, which is
also a reconciliation, on its first run, when ``full_scan`` is set, and when its last complete full
scan is older than ``reconcile_every_hours``. A full scan is complete only if ``total_items`` held
still, every property it counts was seen, and no page shifted: each page re-reads the last record of
the one before (``helpers.OverlappingOffsetPaginator``), since a property created and another
removed while the scan pages keep the total and the count right while one listing is skipped.

Configuration (``[sources.apimo]`` or ``SOURCES__APIMO__*``): ``base_url``, ``provider`` and
``token`` (secret), ``agencies`` (a list of agency ids), ``page_size``, ``cursor_overlap_seconds``,
``reconcile_every_hours``, ``removal_confirmations``, ``max_removed_share``.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
import pyarrow as pa
from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.errors import SettingsCheck, guarded_pages
from dlt_sources.common.scan import MAX_REMOVED_SHARE, AccountScan, RemovalPolicy, reconciliation_due
from dlt_sources.common.secrets import register_secrets
from dlt_sources.common.validation import number_or_null, timestamp_or_null

from .helpers import PROPERTIES, properties_client
from .settings import CURSOR_OVERLAP_SECONDS, DEFAULT_BASE_URL, PAGE_SIZE, PROPERTIES_PATH, RECONCILE_EVERY_HOURS

PROVIDER = "apimo"

# what a record must pass to be stored; one that fails is quarantined (common/validation.py)
FIELD_CHECKS = {"price.value": number_or_null, "updated_at": timestamp_or_null}


@dlt.source(name=PROVIDER, max_table_nesting=0)
def apimo_source(
    provider: str = dlt.config.value,
    token: str = dlt.secrets.value,
    agencies: list[str] = dlt.config.value,
    base_url: str = DEFAULT_BASE_URL,
    page_size: int = PAGE_SIZE,
    cursor_overlap_seconds: int = CURSOR_OVERLAP_SECONDS,
    reconcile_every_hours: float = RECONCILE_EVERY_HOURS,
    full_scan: bool = False,
    removal_confirmations: int = 1,
    max_removed_share: float = MAX_REMOVED_SHARE,
) -> dlt.sources.DltResource:
    register_secrets(token)
    check = SettingsCheck(PROVIDER)
    base_url = check.base_url(base_url)
    check.require(bool(agencies), "agencies must list at least one agency id")
    check.require(1 <= page_size <= PAGE_SIZE, f"page_size must be between 1 and {PAGE_SIZE}")
    return listings(
        check,
        properties_client(base_url, provider, token, page_size),
        [str(agency) for agency in agencies],
        cursor_overlap_seconds,
        0.0 if full_scan else reconcile_every_hours,
        RemovalPolicy(removal_confirmations, max_removed_share),
    )


@dlt.resource(name="listings", write_disposition="append")
def listings(
    check: SettingsCheck,
    client: RESTClient,
    agencies: list[str],
    cursor_overlap_seconds: int,
    reconcile_every_hours: float,
    removals: RemovalPolicy,
) -> Iterator[pa.Table]:
    """New and changed listing versions, agency by agency, and the removals full scans find."""
    check.raise_if_invalid()
    cursors: dict[str, int] = dlt.current.resource_state().setdefault("timestamp_by_agency", {})
    for agency in agencies:
        full = agency not in cursors or reconciliation_due(agency, reconcile_every_hours)
        params = {} if full else {"timestamp": max(0, cursors[agency] - cursor_overlap_seconds)}
        scan = AccountScan(
            PROVIDER,
            agency,
            full=full,
            checks=FIELD_CHECKS,
            removals=removals,
        )
        latest = cursors.get(agency, 0)
        pages = client.paginate(PROPERTIES_PATH.format(agency_id=agency), params=params, data_selector=PROPERTIES)
        for page in guarded_pages(pages, PROVIDER, agency):
            body = page.response.json()  # parsed once, shared with the client (common.http)
            latest = max(latest, int(body.get("timestamp") or 0))  # response-level, not a record field
            yield from scan.add_page(page, reported_total=body.get("total_items"))
            if (shifted_at := page.paginator.shifted_at) is not None:
                scan.mark_incomplete(f"the list shifted while it was paged (at offset {shifted_at})")
        yield from scan.finish()
        cursors[agency] = latest  # moves with the load: dlt commits resource state only when it succeeds
