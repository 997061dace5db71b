"""The photo mirror: copies of listing photos, for providers whose document forbids hotlinking (one
says "Hotlinking is also not permitted", and asks that images be fetched "if and when they change":
its staging folder says which) or whose photos an operator wants kept.

What to fetch: every photo of each listing's latest version, with its source URL, as dbt lists it
(``int_listing_photo_sources``). Only a URL never stored before is downloaded: a provider that
replaces a photo gives it a new URL (the sandbox versions a replaced cover photo so), and an
unchanged URL costs no request. The copy is stored by content (SHA-256), so the same bytes under
another URL or listing are stored once.

How: each provider's own HTTP client (``common/http.py``): its quota's pacer, shared with its source
in the process (a documented quota counts image requests too), its retry budgets
(``common/retries.py``: Retry-After honoured, transient failures retried within a time budget). A
photo that still fails is recorded with its reason and tried again next run; it never fails the
others. A run downloads for at most ``download_budget_seconds`` (``[photos]``, 900 by default): a
first mirror at 20 requests a minute takes hours for thousands of photos, and the marts wait for the
mirror, so what is left waits for the next run (logged, and counted in the asset's metadata).

Raw stays raw: every attempt is one append-only row of ``raw_photos.photo_downloads`` (provider,
listing key, source URL, outcome, HTTP status and ETag, SHA-256, size in bytes, width and height as
Pillow reads them, where it is stored, when), and dbt builds the mart columns from it.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import dlt
import pyarrow as pa

from dlt_sources.common.http import RequestPacer
from dlt_sources.common.retries import RetrySettings

from .helpers import PhotoSource, PhotoStore, download_record, photo_session, provider_pacer
from .settings import DATASET, DOWNLOAD_BUDGET_SECONDS, FAILED, TABLE, UNREACHABLE_PHOTOS_TO_STOP

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 50  # photos between two progress lines in the log
# records per arrow table handed to dlt, which writes each away as it comes (as Parquet on DuckDB):
# a batch per account, as dicts, was loaded as one SQL INSERT of every row, which DuckDB took 3 GB
# to parse for the 60,891 photos of a first mirror at 100,000 listings
BATCH_RECORDS = 1_000

# Every column typed, so that a first load of failures only still creates them all
COLUMNS: dict[str, dict[str, Any]] = {
    "source": {"data_type": "text", "nullable": False},
    "account_id": {"data_type": "text", "nullable": False},
    "listing_key": {"data_type": "text", "nullable": False},
    "position": {"data_type": "bigint"},
    "source_url": {"data_type": "text", "nullable": False},
    "status": {"data_type": "text", "nullable": False},
    "failure_reason": {"data_type": "text"},
    "http_status": {"data_type": "bigint"},
    "etag": {"data_type": "text"},
    "sha256": {"data_type": "text"},
    "byte_size": {"data_type": "bigint"},
    "width": {"data_type": "bigint"},
    "height": {"data_type": "bigint"},
    "image_format": {"data_type": "text"},
    "stored_uri": {"data_type": "text"},
    "fetched_at": {"data_type": "timestamp", "nullable": False},
    # dlt adds it to rows it normalises itself, not to arrow tables: written here, as raw's loads do
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}

ARROW_TYPES = {"text": pa.string(), "bigint": pa.int64(), "timestamp": pa.timestamp("us", tz="UTC")}
ARROW_SCHEMA = pa.schema(
    [pa.field(name, ARROW_TYPES[column["data_type"]], column.get("nullable", True)) for name, column in COLUMNS.items()]
)


def photos_to_download(photos: Iterable[PhotoSource], stored_urls: set[str]) -> list[PhotoSource]:
    """The photos whose source URL has no stored copy yet, each URL once (a re-listing may show the
    same photo under a new listing key), in the order given."""
    wanted, seen = [], set(stored_urls)
    for photo in photos:
        if photo.source_url not in seen:
            seen.add(photo.source_url)
            wanted.append(photo)
    return wanted


@dlt.source(name=DATASET, max_table_nesting=0)
def photos_source(
    photos: list[PhotoSource],
    store: PhotoStore,
    dlt_sources: Mapping[str, Callable[..., Any]],
    outcomes: Counter | None = None,
    download_budget_seconds: float = DOWNLOAD_BUDGET_SECONDS,
) -> dlt.sources.DltResource:
    """The download of ``photos`` into ``store``, for at most ``download_budget_seconds``;
    ``dlt_sources`` maps each provider to its dlt source function, whose quota settings pace its
    photos too; ``outcomes`` counts attempts by status, and the photos left for the next run (``left``)."""
    counts = Counter() if outcomes is None else outcomes
    return photo_downloads(photos, store, dlt_sources, counts, download_budget_seconds)


@dlt.resource(name=TABLE, write_disposition="append", columns=COLUMNS)
def photo_downloads(
    photos: list[PhotoSource],
    store: PhotoStore,
    dlt_sources: Mapping[str, Callable[..., Any]],
    outcomes: Counter,
    download_budget_seconds: float,
) -> Iterator[pa.Table]:
    """One record per download attempt, in arrow tables of at most ``BATCH_RECORDS``."""
    deadline = time.monotonic() + download_budget_seconds
    accounts: dict[tuple[str, str], list[PhotoSource]] = {}
    for photo in photos:
        accounts.setdefault((photo.source, photo.account_id), []).append(photo)
    done = 0
    for (source, account_id), account_photos in accounts.items():
        pacer: RequestPacer | None = provider_pacer(source, account_id, dlt_sources[source])
        timeout = RetrySettings.for_provider(source).request_timeout_seconds
        batch = []
        unreachable = 0  # photos in a row that got no answer, or a server error, after their retries
        with photo_session(source, account_id, pacer) as session:
            for photo in account_photos:
                if time.monotonic() >= deadline:
                    break
                if unreachable >= UNREACHABLE_PHOTOS_TO_STOP:
                    logger.warning(
                        "photo mirror: %s account %s: %d photos in a row got no answer after their retries; "
                        "its other photos wait for the next run",
                        source,
                        account_id,
                        unreachable,
                    )
                    break
                record = download_record(photo, session, store, timeout)
                unreachable = unreachable + 1 if host_failed(record) else 0
                outcomes[record["status"]] += 1
                batch.append(record)
                if len(batch) >= BATCH_RECORDS:
                    yield arrow_table(batch)
                    batch = []
                done += 1
                if done % PROGRESS_EVERY == 0:
                    logger.info("photo mirror: %d of %d photos fetched", done, len(photos))
        if batch:
            yield arrow_table(batch)
    outcomes["left"] = len(photos) - done
    if outcomes["left"]:
        logger.info("photo mirror: %d photos are left for the next run", outcomes["left"])
        if time.monotonic() >= deadline:
            logger.info("photo mirror: the download budget (%g s) is spent", download_budget_seconds)


def arrow_table(records: list[dict[str, Any]]) -> pa.Table:
    """``records`` as an arrow table of the table's columns, stamped with the load being extracted."""
    load_id = dlt.current.load_package_state()["load_id"]
    return pa.Table.from_pylist([{**record, "_dlt_load_id": load_id} for record in records], schema=ARROW_SCHEMA)


def host_failed(record: dict[str, Any]) -> bool:
    """Whether an attempt failed for the host's sake (no answer, or a server error after the retries),
    not the photo's (a 404, an image Pillow cannot read)."""
    status = record["http_status"]
    return record["status"] == FAILED and (status is None or status >= 500)
