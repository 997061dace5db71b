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

Photos: AvaroAI forbids hotlinking. The raw payload keeps the photo URLs as received, for the
record; nothing downstream may publish them as image sources (a photo mirror is out of scope).

Incremental strategy: a full scan with change detection (the API has no updated-since filter);
only payloads whose content changed are stored. The organization's currency is not sent: EUR is
assumed downstream (configurable there).

Configuration (``[sources.avaroai]`` or ``SOURCES__AVAROAI__*``): ``base_url``, ``api_key``
(secret), ``account_id``, ``max_requests_per_window`` and ``rate_window_seconds`` (the quota to
pace to; the documented 20 per 60 s by default).
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
import pyarrow as pa

from dlt_sources.common.http import RequestPacer
from dlt_sources.common.raw import RAW_LISTING_COLUMNS, new_listing_versions
from dlt_sources.common.secrets import register_secrets

from .helpers import listings_client
from .settings import DEFAULT_BASE_URL, LISTINGS_PATH, MAX_REQUESTS_PER_WINDOW, RATE_WINDOW_SECONDS


@dlt.source(name="avaroai", max_table_nesting=0)
def avaroai_source(
    base_url: str = DEFAULT_BASE_URL,
    api_key: str = dlt.secrets.value,
    account_id: str = "default",
    max_requests_per_window: int = MAX_REQUESTS_PER_WINDOW,
    rate_window_seconds: float = RATE_WINDOW_SECONDS,
) -> dlt.sources.DltResource:
    register_secrets(api_key)
    pacer = RequestPacer.shared(f"avaroai:{account_id}", max_requests_per_window, rate_window_seconds)
    return listings(base_url, api_key, account_id, pacer)


@dlt.resource(name="listings", write_disposition="append", columns=RAW_LISTING_COLUMNS)
def listings(base_url: str, api_key: str, account_id: str, pacer: RequestPacer) -> Iterator[pa.Table]:
    """Every listing version not stored yet: one row per changed or new payload."""
    pages = listings_client(base_url, api_key, pacer).paginate(LISTINGS_PATH)
    yield from new_listing_versions(pages, account_id=account_id)
