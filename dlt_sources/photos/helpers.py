"""Downloading and storing one photo: the provider's HTTP session, the content hash, Pillow's
reading of the image, and a content-addressed store at any fsspec URL."""

from __future__ import annotations

import hashlib
import inspect
import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dlt
import fsspec
from dlt.sources.helpers.requests.session import Session
from requests import PreparedRequest, RequestException, Response
from requests.exceptions import ChunkedEncodingError, ContentDecodingError, Timeout
from requests.exceptions import ConnectionError as RequestsConnectionError

from dlt_sources.common.http import ProviderAdapter, RequestPacer
from dlt_sources.common.secrets import redact

from .settings import EXTENSIONS, FAILED, QUOTA_SETTINGS, STORED

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoSource:
    """One photo of a listing's latest version, as ``int_listing_photo_sources`` lists it."""

    source: str
    account_id: str
    listing_key: str
    position: int
    source_url: str


# what a retry can fix while the body is read: the sources' adapter's transient errors (common/http.py)
_BODY_ERRORS = (RequestsConnectionError, Timeout, ChunkedEncodingError, ContentDecodingError)


class PhotoAdapter(ProviderAdapter):
    """The sources' adapter (pacing, retries within the provider's budgets, counts) for image
    bodies: the body is read inside each attempt, so one cut off in transit is retried like a page's,
    and it is not parsed as JSON (the sources' adapter would take an image for a cut-off JSON body)."""

    def _attempt(self, request: PreparedRequest, *args, **kwargs) -> tuple[Response | None, RequestException | None]:
        kwargs["stream"] = True  # the base attempt then neither reads nor parses the body
        response, failure = super()._attempt(request, *args, **kwargs)
        if response is not None and failure is None:
            try:
                response.content  # noqa: B018 (read here: a short read is this attempt's failure)
            except _BODY_ERRORS as error:
                return None, error
        return response, failure


def photo_session(source: str, account_id: str, pacer: RequestPacer | None) -> Session:
    """A session for one provider account's photos: no credentials (an image URL needs none), the
    provider's quota and retry budgets (``[sources.<provider>]``)."""
    session = Session(timeout=None, raise_for_status=False)
    adapter = PhotoAdapter(source, account_id, pacer)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def provider_pacer(source: str, account_id: str, dlt_source: Callable[..., Any]) -> RequestPacer | None:
    """The pacer of the provider account's quota, shared with its source in this process: the quota
    its source paces to (``max_requests_per_window`` per ``rate_window_seconds`` under
    ``[sources.<provider>]``, by default the source's own defaults), or None for a provider whose
    source paces to none."""
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(dlt_source).parameters.items()
        if name in QUOTA_SETTINGS
    }
    if set(defaults) != set(QUOTA_SETTINGS):
        return None
    configured = {name: dlt.config.get(f"sources.{source}.{name}", type(defaults[name])) for name in QUOTA_SETTINGS}
    # an explicit 0 (no pacing) is a setting, not a missing one
    requests, window = (defaults[name] if value is None else value for name, value in configured.items())
    return RequestPacer.for_account(source, account_id, int(requests), float(window))


class PhotoStore:
    """Photos stored by content: ``<root>/<source>/<sha256[:2]>/<sha256>.<ext>``, at a local folder
    or any fsspec URL (``s3://bucket/prefix``). The same bytes are written once, whatever URL or
    listing they came from; a file is written whole or not at all: a local one under a temporary name,
    then renamed (an object store writes on close), so a crash mid-write never leaves a short copy
    that a later run would take for the photo."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        self.filesystem, self.root = fsspec.core.url_to_fs(url, **(storage_options or {}))
        self.root = self.root.rstrip("/")

    @property
    def root_uri(self) -> str:
        """The store's root as stored copies' URIs begin (``file:///...``, ``s3://...``)."""
        return self.filesystem.unstrip_protocol(self.root)

    def put(self, source: str, sha256: str, extension: str, body: bytes) -> str:
        """Stores ``body`` unless a copy is there already; returns the copy's URI."""
        path = f"{self.root}/{source}/{sha256[:2]}/{sha256}.{extension}"
        if not self.filesystem.exists(path):
            self.filesystem.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            partial = f"{path}.partial"
            with self.filesystem.open(partial, "wb") as file:
                file.write(body)
            self.filesystem.mv(partial, path)
        return self.filesystem.unstrip_protocol(path)


def download_record(photo: PhotoSource, session: Session, store: PhotoStore, timeout: float) -> dict[str, Any]:
    """One attempt at mirroring ``photo`` (the session retries within the provider's budgets): the
    raw record of what happened, stored or failed with the reason. Never raises for one photo's
    failure: the others go on, and a failed photo is tried again next run."""
    record: dict[str, Any] = {
        "source": photo.source,
        "account_id": photo.account_id,
        "listing_key": photo.listing_key,
        "position": photo.position,
        "source_url": photo.source_url,
        "status": FAILED,
        "failure_reason": None,
        "http_status": None,
        "etag": None,
        "sha256": None,
        "byte_size": None,
        "width": None,
        "height": None,
        "image_format": None,
        "stored_uri": None,
        "fetched_at": datetime.now(UTC),
    }
    try:
        response = session.get(photo.source_url, timeout=timeout)
    except RequestException as error:
        record["failure_reason"] = redact(f"no answer: {type(error).__name__}: {error}")
        return record
    record["http_status"], record["etag"] = response.status_code, response.headers.get("ETag")
    if response.status_code != 200:
        record["failure_reason"] = f"HTTP {response.status_code}"
        return record
    body = response.content
    try:
        width, height, image_format = image_facts(body)
    except ValueError as error:
        record["failure_reason"] = str(error)
        return record
    sha256 = hashlib.sha256(body).hexdigest()
    try:
        stored_uri = store.put(photo.source, sha256, EXTENSIONS.get(image_format, "bin"), body)
    except OSError as error:  # the store refused: a failure of this photo, tried again next run
        record["failure_reason"] = redact(f"not stored: {type(error).__name__}: {error}")
        return record
    record.update(
        status=STORED,
        sha256=sha256,
        byte_size=len(body),
        width=width,
        height=height,
        image_format=image_format,
        stored_uri=stored_uri,
    )
    return record


def image_facts(body: bytes) -> tuple[int, int, str]:
    """Width, height and format as Pillow reads them; ValueError for bytes that are no image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(body)) as image:
            image.verify()  # a truncated or corrupt file fails here, before it is stored
            return image.width, image.height, image.format or "unknown"
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"not an image Pillow can read: {type(error).__name__}") from None
