"""EstatePrime: Greek listings of one or more stores (offices), each store behind its own key.

Endpoints, all GET: ``/api/listings`` takes ``page`` and its filters in a JSON *body* (sent with the
GET, as documented) and answers ``{status, page, total_pages, results_per_page: 50, total_results,
data}``; ``/api/listings/{id}``; and three lookup lists, ``/api/listings/sources``, ``/tags`` and
``/custom-fields``, each ``{status, data: [...]}``.

Auth: the document's Authentication section is missing from our copy, so both readings a deployment
may need are settings: the key alone in a named header (the default, ``X-Api-Key: <key>``), or after
a scheme (``auth_header = "Authorization"``, ``auth_scheme = "Bearer"``: ``Authorization: Bearer
<key>``). The sandbox serves either (``estateprime_auth_header``, ``estateprime_auth_scheme``).

Incremental strategy: every run is a full scan of each store with change detection (the API has an
updated timestamp but no updated-since filter; ``date_created`` only finds new listings), and so
also a reconciliation. Pages are newest first, so a listing created mid-scan pushes the later
pages down (one listing is read twice, stored once) and one removed mid-scan pulls them up (one
listing slips past): a scan is complete only if ``total_results`` held still and every listing it
counts was seen. ``filters`` (the documented body filters: ``availability``, ``category``,
``subcategory``, ``status``, ``date_created``) narrow every scan. A listing a complete scan no
longer finds is asked about (``GET /api/listings/{id}``, estateprime.txt:328-345): a 404 retires it,
an answer is stored (a listing that left the filters, e.g. for another status, is not removed).
All statuses are read by default, drafts and archived ones included: staging decides what the mart
shows.

Lookups: the three lists land as ``sources``, ``tags`` and ``custom_fields``, versioned the same way
as listings (a changed tag name is a new version, a tag that disappears gets a removal row), per
store, since a store may define its own.

Configuration (``[sources.estateprime]`` or ``SOURCES__ESTATEPRIME__*``): ``base_url``,
``api_keys`` (secret; a mapping of store id to that store's key, e.g.
``{"1": "key-of-store-1", "2": "key-of-store-2"}``), ``auth_header``, ``auth_scheme``, ``filters``,
``removal_confirmations``, ``max_removed_share``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import SinglePagePaginator

from dlt_sources.common.errors import SettingsCheck, guarded_pages
from dlt_sources.common.raw import RECORD_ID_COLUMN
from dlt_sources.common.scan import MAX_REMOVED_SHARE, AccountScan, RemovalPolicy
from dlt_sources.common.secrets import register_secrets
from dlt_sources.common.validation import number_or_null, timestamp_or_null

from .helpers import listing_by_id, listings_paginator, store_client
from .settings import AUTH_HEADER, DEFAULT_BASE_URL, LISTINGS_PATH, LOOKUPS

PROVIDER = "estateprime"
FILTERS = ("availability", "category", "subcategory", "status", "date_created")

# what a record must pass to be stored; one that fails is quarantined (common/validation.py)
FIELD_CHECKS = {"price": number_or_null, "date_updated": timestamp_or_null}


@dlt.source(name=PROVIDER, max_table_nesting=0)
def estateprime_source(
    api_keys: dict[str, str] = dlt.secrets.value,
    base_url: str = DEFAULT_BASE_URL,
    auth_header: str = AUTH_HEADER,
    auth_scheme: str = "",
    filters: dict[str, Any] | None = None,
    removal_confirmations: int = 1,
    max_removed_share: float = MAX_REMOVED_SHARE,
) -> list[dlt.sources.DltResource]:
    register_secrets(*api_keys.values())
    check = SettingsCheck(PROVIDER)
    base_url = check.base_url(base_url)
    check.require(bool(api_keys), "api_keys must map at least one store id to its key")
    unknown = set(filters or {}) - set(FILTERS)
    check.require(not unknown, f"filters {sorted(unknown)} are not documented; use {', '.join(FILTERS)}")
    credential = (lambda key: f"{auth_scheme} {key}") if auth_scheme else (lambda key: key)
    clients = {
        str(store): store_client(base_url, str(store), credential(key), auth_header) for store, key in api_keys.items()
    }
    return [
        listings(check, clients, dict(filters or {}), RemovalPolicy(removal_confirmations, max_removed_share)),
        *(lookup(name, path, check, clients) for name, path in LOOKUPS.items()),
    ]


@dlt.resource(name="listings", write_disposition="append")
def listings(
    check: SettingsCheck,
    clients: dict[str, RESTClient],
    filters: dict[str, Any],
    removals: RemovalPolicy,
) -> Iterator[pa.Table]:
    """New and changed listing versions of every store, and the removals complete scans find."""
    check.raise_if_invalid()
    for store, client in clients.items():
        scan = AccountScan(
            PROVIDER,
            store,
            full=True,
            checks=FIELD_CHECKS,
            removals=removals,
            # a listing the filters no longer select (another status, say) may still be there
            confirm_absence=lambda listing_id, client=client, store=store: listing_by_id(client, store, listing_id),
        )
        pages = client.paginate(LISTINGS_PATH, json=dict(filters), paginator=listings_paginator())
        for page in guarded_pages(pages, PROVIDER, store):
            yield from scan.add_page(page, reported_total=page.response.json().get("total_results"))
        yield from scan.finish()


def lookup(name: str, path: str, check: SettingsCheck, clients: dict[str, RESTClient]) -> dlt.sources.DltResource:
    def records() -> Iterator[pa.Table]:
        check.raise_if_invalid()
        for store, client in clients.items():
            # logged as "tags lookup: ...", not as a scan of listings
            scan = AccountScan(PROVIDER, store, full=True, table=name, id_column=RECORD_ID_COLUMN, lookup=True)
            for page in guarded_pages(client.paginate(path, paginator=SinglePagePaginator()), PROVIDER, store):
                yield from scan.add_page(page)
            yield from scan.finish()

    return dlt.resource(records, name=name, write_disposition="append")
