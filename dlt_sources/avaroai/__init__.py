"""AvaroAI: Cyprus listings of one organization, behind a Bearer key, 20 requests a minute.

Endpoint: ``GET /api/v1/listings?page=N``, 20 listings a page, Laravel-style ``links``/``meta`` with
no total: paging follows ``links.next`` until it is null. Only active listings are served, so a
listing that goes under offer, sells or is withdrawn simply stops appearing. Auth: ``Authorization:
Bearer <key>``.

Politeness: the quota is 20 requests per minute and the document promises no Retry-After, so
requests are paced on the client side (a sliding window with a small margin, one per account and
process) and a full scan of N listings takes about ceil(N / 20) / 20 minutes; nothing else should
wait on it. A 429 that still comes (another process used the key) is retried after a full window,
as the document asks.

Photos: AvaroAI forbids hotlinking. The raw payload keeps the photo URLs as received; nothing
downstream publishes them as image sources: the photo mirror (dlt_sources/photos) copies each one.

Incremental strategy: every run is a full scan with change detection (the API has no
updated-since filter); only payloads whose content changed are stored. Each scan is also a
reconciliation, but the API sends no total, so a listing removed mid-scan, which shifts the later
pages up by one and lets one listing slip past unseen, cannot be detected from the answers. A
listing is therefore retired only when ``removal_confirmations`` (2 by default) consecutive complete
scans miss it; the removal is dated at the first miss. The organization's currency is not sent:
EUR is assumed downstream (configurable there).

Configuration (``[sources.avaroai]`` or ``SOURCES__AVAROAI__*``): ``base_url``, ``api_key``
(secret), ``account_id``, ``max_requests_per_window`` and ``rate_window_seconds`` (the quota to
pace to; the documented 20 per 60 s by default), ``removal_confirmations``, ``max_removed_share``.
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
from .settings import (
    DEFAULT_BASE_URL,
    LISTINGS_PATH,
    MAX_REQUESTS_PER_WINDOW,
    RATE_WINDOW_SECONDS,
    REMOVAL_CONFIRMATIONS,
)

PROVIDER = "avaroai"

# what a record must pass to be stored; one that fails is quarantined (common/validation.py)
FIELD_CHECKS = {"published_price": number_or_null, "updated_at": timestamp_or_null}


@dlt.source(name=PROVIDER, max_table_nesting=0)
def avaroai_source(
    base_url: str = DEFAULT_BASE_URL,
    api_key: str = dlt.secrets.value,
    account_id: str = "default",
    max_requests_per_window: int = MAX_REQUESTS_PER_WINDOW,
    rate_window_seconds: float = RATE_WINDOW_SECONDS,
    removal_confirmations: int = REMOVAL_CONFIRMATIONS,
    max_removed_share: float = MAX_REMOVED_SHARE,
) -> dlt.sources.DltResource:
    register_secrets(api_key)
    check = SettingsCheck(PROVIDER)
    base_url = check.base_url(base_url)
    pacer = RequestPacer.for_account(PROVIDER, account_id, max_requests_per_window, rate_window_seconds)
    check.require(pacer is not None, "max_requests_per_window and rate_window_seconds must be positive")
    client = listings_client(base_url, account_id, api_key, pacer)
    return listings(check, client, account_id, RemovalPolicy(removal_confirmations, max_removed_share))


@dlt.resource(name="listings", write_disposition="append")
def listings(check: SettingsCheck, client: RESTClient, account_id: str, removals: RemovalPolicy) -> Iterator[pa.Table]:
    """New and changed listing versions, and the removals complete scans confirm."""
    check.raise_if_invalid()
    scan = AccountScan(
        PROVIDER,
        account_id,
        full=True,
        checks=FIELD_CHECKS,
        removals=removals,
    )
    for page in guarded_pages(client.paginate(LISTINGS_PATH), PROVIDER, account_id):
        yield from scan.add_page(page)
    yield from scan.finish()
