"""ActuallyCare: US listings behind ``X-API-Key``, wrapped in a ``success``/``data`` envelope.

Endpoints: ``GET /v1/listings`` (``page`` from 1, ``limit`` up to 100; records under
``data.listings``, paging under ``data.meta`` with ``total``, ``totalPages`` and ``hasMore``) and
``GET /v1/listings/{id}``. Auth: the ``X-API-Key`` header. Rate limit: undocumented; a 429 carries
Retry-After, which dlt's client honours. Set ``max_requests_per_window`` (per
``rate_window_seconds``) to pace below a quota your contract states; pacing is off by default.

Incremental strategy: every run is a full scan at the maximum page size with change detection, and
so also a reconciliation: a listing a complete scan no longer finds is asked about
(``GET /v1/listings/{id}``) and recorded as removed when that answers 404. A scan is complete only
if ``data.meta.total`` held still and every listing it counts was seen.

List records: the document's list example is a 12-field summary (actuallycare.txt:48-59), its
single-listing example adds ``year_built`` and ``version`` (:154-167), and only the PUT response
shows the full object (:214-243). Which the API sends is a judgement call, so ``detail_records``:
- ``auto`` (default): a list record without ``version`` is a summary. The scan then asks
  ``GET /v1/listings/{id}`` for each new listing and each one whose summary changed, and stores the
  summary merged with the answer; an unchanged summary costs no request. Every
  ``detail_refresh_every_hours`` (168; 0: never) a scan asks for every listing, and stores only those
  whose ``version`` moved: edits to fields the summary does not carry (description, photos, dates).
  Full list records (with ``version``) need no request.
- ``always``: as ``auto``, whatever the list records carry; ``never``: store the list records alone.
The detail requests go through the same pacing and retries as the list.
``days_on_market`` is left out of change detection because the API recomputes it daily.
``version`` (the API's optimistic-locking counter) is kept in the payload, where staging uses it to
order versions; change detection still compares content, because a new field or a changed type can
arrive without a version bump. The API has no accounts: one key is one account, named by
``account_id``.

Configuration (``[sources.actuallycare]`` or ``SOURCES__ACTUALLYCARE__*``): ``base_url``,
``api_key`` (secret), ``account_id``, ``page_size``, ``detail_records``,
``detail_refresh_every_hours``, ``max_requests_per_window``, ``rate_window_seconds``,
``removal_confirmations``, ``max_removed_share``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

import dlt
import pyarrow as pa
from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.errors import SettingsCheck, guarded_pages
from dlt_sources.common.http import RequestPacer
from dlt_sources.common.scan import MAX_REMOVED_SHARE, AccountScan, RemovalPolicy, detail_refresh_due
from dlt_sources.common.secrets import register_secrets
from dlt_sources.common.validation import number_or_null, timestamp_or_null

from .helpers import listing_detail, listings_client
from .settings import DEFAULT_BASE_URL, DETAIL_RECORDS, LISTINGS_PATH, PAGE_SIZE, VOLATILE_FIELDS

PROVIDER = "actuallycare"

# what a record must pass to be stored; one that fails is quarantined (common/validation.py)
FIELD_CHECKS = {"list_price": number_or_null, "updated_at": timestamp_or_null}


@dataclass(frozen=True)
class DetailPolicy:
    """When the single-listing endpoint is asked (see the module docstring)."""

    mode: str  # auto, always or never
    refresh_every_hours: float


@dlt.source(name=PROVIDER, max_table_nesting=0)
def actuallycare_source(
    base_url: str = DEFAULT_BASE_URL,
    api_key: str = dlt.secrets.value,
    account_id: str = "default",
    page_size: int = PAGE_SIZE,
    detail_records: str = "auto",
    detail_refresh_every_hours: float = 168.0,
    max_requests_per_window: int = 0,
    rate_window_seconds: float = 60.0,
    removal_confirmations: int = 1,
    max_removed_share: float = MAX_REMOVED_SHARE,
) -> dlt.sources.DltResource:
    register_secrets(api_key)
    check = SettingsCheck(PROVIDER)
    base_url = check.base_url(base_url)
    check.require(1 <= page_size <= PAGE_SIZE, f"page_size must be between 1 and {PAGE_SIZE}")
    check.require(detail_records in DETAIL_RECORDS, f"detail_records must be one of {', '.join(DETAIL_RECORDS)}")
    check.require(detail_refresh_every_hours >= 0, "detail_refresh_every_hours must be >= 0 (0: never)")
    pacer = RequestPacer.for_account(PROVIDER, account_id, max_requests_per_window, rate_window_seconds)
    client = listings_client(base_url, account_id, api_key, pacer)
    details = DetailPolicy(detail_records, detail_refresh_every_hours)
    return listings(
        check, client, account_id, page_size, details, RemovalPolicy(removal_confirmations, max_removed_share)
    )


@dlt.resource(name="listings", write_disposition="append")
def listings(
    check: SettingsCheck,
    client: RESTClient,
    account_id: str,
    page_size: int,
    details: DetailPolicy,
    removals: RemovalPolicy,
) -> Iterator[pa.Table]:
    """New and changed listing versions, and the removals a complete scan finds."""
    check.raise_if_invalid()
    pages = guarded_pages(client.paginate(LISTINGS_PATH, params={"limit": page_size}), PROVIDER, account_id)
    first = next(pages, None)
    asks_details = details.mode == "always" or (
        details.mode == "auto" and bool(first) and any("version" not in record for record in first)
    )

    def ask(listing_id: str) -> dict | None:  # GET /v1/listings/{id}: a detail, or None (404)
        return listing_detail(client, account_id, listing_id)

    scan = AccountScan(
        PROVIDER,
        account_id,
        full=True,
        volatile_fields=VOLATILE_FIELDS,
        checks=FIELD_CHECKS,
        removals=removals,
        details=ask if asks_details else None,
        refresh_details=asks_details and detail_refresh_due(account_id, details.refresh_every_hours),
        confirm_absence=ask,
    )
    for page in chain([first] if first is not None else [], pages):
        total = page.response.json()["data"]["meta"].get("total")
        yield from scan.add_page(page, reported_total=total)
    yield from scan.finish()
