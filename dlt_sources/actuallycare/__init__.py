"""ActuallyCare: US listings behind ``X-API-Key``, wrapped in a ``success``/``data`` envelope.

Endpoints: ``GET /v1/listings`` (``page`` from 1, ``limit`` up to 100; records under
``data.listings``, paging under ``data.meta`` with ``totalPages`` and ``hasMore``) and
``GET /v1/listings/{id}``. Auth: the ``X-API-Key`` header. Rate limit: undocumented; 429 carries
Retry-After, which dlt's client honours.

Incremental strategy: a full scan at the maximum page size with change detection. A record is
stored again only when its content differs from the latest stored version; ``days_on_market`` is
left out of that comparison because the API recomputes it daily. The API has no accounts: one key
is one account, named by the ``account_id`` setting.

Configuration (``[sources.actuallycare]`` or ``SOURCES__ACTUALLYCARE__*``): ``base_url``,
``api_key`` (secret), ``account_id``, ``page_size``.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
import pyarrow as pa

from dlt_sources.common.raw import RAW_LISTING_COLUMNS, new_listing_versions
from dlt_sources.common.secrets import register_secrets

from .helpers import listings_client
from .settings import DEFAULT_BASE_URL, LISTINGS_PATH, PAGE_SIZE, VOLATILE_FIELDS


@dlt.source(name="actuallycare", max_table_nesting=0)
def actuallycare_source(
    base_url: str = DEFAULT_BASE_URL,
    api_key: str = dlt.secrets.value,
    account_id: str = "default",
    page_size: int = PAGE_SIZE,
) -> dlt.sources.DltResource:
    register_secrets(api_key)
    return listings(base_url, api_key, account_id, page_size)


@dlt.resource(name="listings", write_disposition="append", columns=RAW_LISTING_COLUMNS)
def listings(base_url: str, api_key: str, account_id: str, page_size: int) -> Iterator[pa.Table]:
    """Every listing version not stored yet: one row per changed or new payload."""
    pages = listings_client(base_url, api_key).paginate(LISTINGS_PATH, params={"limit": page_size})
    yield from new_listing_versions(pages, account_id=account_id, volatile_fields=VOLATILE_FIELDS)
