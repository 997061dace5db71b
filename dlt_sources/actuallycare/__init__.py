"""ActuallyCare: US listings behind ``X-API-Key``, wrapped in a ``success``/``data`` envelope.

Endpoints: ``GET /v1/listings`` (``page`` from 1, ``limit`` up to 100; records under
``data.listings``, paging under ``data.meta`` with ``total``, ``totalPages`` and ``hasMore``) and
``GET /v1/listings/{id}``. Auth: the ``X-API-Key`` header. Rate limit: undocumented; a 429 carries
Retry-After, which dlt's client honours. Set ``max_requests_per_window`` (per
``rate_window_seconds``) to pace below a quota your contract states; pacing is off by default.

Incremental strategy: every run is a full scan at the maximum page size with change detection, and
so also a reconciliation: a listing a complete scan no longer finds is recorded as removed. A scan
is complete only if ``data.meta.total`` held still and every listing it counts was seen.
``days_on_market`` is left out of change detection because the API recomputes it daily.
``version`` (the API's optimistic-locking counter) is kept in the payload, where staging uses it to
order versions; change detection still compares content, because a new field or a changed type can
arrive without a version bump. The API has no accounts: one key is one account, named by
``account_id``.

Configuration (``[sources.actuallycare]`` or ``SOURCES__ACTUALLYCARE__*``): ``base_url``,
``api_key`` (secret), ``account_id``, ``page_size``, ``max_requests_per_window``,
``rate_window_seconds``, ``removal_confirmations``, ``max_removed_share``.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
import pyarrow as pa
from dlt.sources.helpers.rest_client import RESTClient

from dlt_sources.common.errors import SettingsCheck, guarded_pages
from dlt_sources.common.http import RequestPacer
from dlt_sources.common.scan import MAX_REMOVED_SHARE, AccountScan, RemovalPolicy
from dlt_sources.common.secrets import register_secrets
from dlt_sources.common.validation import number_or_null, timestamp_or_null

from .helpers import listings_client
from .settings import DEFAULT_BASE_URL, LISTINGS_PATH, PAGE_SIZE, VOLATILE_FIELDS

PROVIDER = "actuallycare"

# what a record must pass to be stored; one that fails is quarantined (common/validation.py)
FIELD_CHECKS = {"list_price": number_or_null, "updated_at": timestamp_or_null}


@dlt.source(name=PROVIDER, max_table_nesting=0)
def actuallycare_source(
    base_url: str = DEFAULT_BASE_URL,
    api_key: str = dlt.secrets.value,
    account_id: str = "default",
    page_size: int = PAGE_SIZE,
    max_requests_per_window: int = 0,
    rate_window_seconds: float = 60.0,
    removal_confirmations: int = 1,
    max_removed_share: float = MAX_REMOVED_SHARE,
) -> dlt.sources.DltResource:
    register_secrets(api_key)
    check = SettingsCheck(PROVIDER)
    base_url = check.base_url(base_url)
    check.require(1 <= page_size <= PAGE_SIZE, f"page_size must be between 1 and {PAGE_SIZE}")
    pacer = RequestPacer.for_account(PROVIDER, account_id, max_requests_per_window, rate_window_seconds)
    client = listings_client(base_url, account_id, api_key, pacer)
    return listings(check, client, account_id, page_size, RemovalPolicy(removal_confirmations, max_removed_share))


@dlt.resource(name="listings", write_disposition="append")
def listings(
    check: SettingsCheck,
    client: RESTClient,
    account_id: str,
    page_size: int,
    removals: RemovalPolicy,
) -> Iterator[pa.Table]:
    """New and changed listing versions, and the removals a complete scan finds."""
    check.raise_if_invalid()
    scan = AccountScan(
        PROVIDER,
        account_id,
        full=True,
        volatile_fields=VOLATILE_FIELDS,
        checks=FIELD_CHECKS,
        removals=removals,
    )
    pages = client.paginate(LISTINGS_PATH, params={"limit": page_size})
    for page in guarded_pages(pages, PROVIDER, account_id):
        total = page.response.json()["data"]["meta"].get("total")
        yield from scan.add_page(page, reported_total=total)
    yield from scan.finish()
