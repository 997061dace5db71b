"""The sources' HTTP session: one adapter paces, retries, counts and parses.

dlt's REST client neither paces requests in advance nor outlasts a rate-limit storm (its session
makes five attempts). Both sit in the HTTP adapter here, so every attempt (retries too) waits its
turn at the pacer, and each request keeps trying within the provider's time budgets
(common/retries.py). The adapter also counts what each provider was asked and answered (requests,
429s, retries, seconds waited) for the run's metadata, and makes each response parse its JSON body
once, with orjson where it reads the body as ``requests`` would (common/jsontext.py).

Every wait before a request is logged (a retry's, and a pacer's of a second or more), in lines
``RequestWait.parse`` reads back: ``listings run`` shows them live.
"""

from __future__ import annotations

import codecs
import functools
import logging
import math
import re
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from dlt.common.jsonpath import compile_path
from dlt.sources.helpers.requests.session import Session
from requests import PreparedRequest, RequestException, Response
from requests.adapters import HTTPAdapter
from requests.exceptions import (
    ChunkedEncodingError,
    ConnectionError,  # noqa: A004 (requests' own, not the builtin)
    ContentDecodingError,
    InvalidJSONError,
    Timeout,
)

from .errors import guarded_request
from .jsontext import loads
from .retries import RequestRetries, RetrySettings

if TYPE_CHECKING:
    from dlt.sources.helpers.rest_client import RESTClient
    from jsonpath_ng import JSONPath

logger = logging.getLogger(__name__)

PACING_LOG_SECONDS = 1.0  # a pacer's shorter waits go unlogged: they come with nearly every request


class RequestPacer:
    """At most ``max_requests`` in any ``window_seconds``-long interval (a sliding window).

    ``margin_seconds`` is added to every wait: the server's window starts when it receives a
    request, a little after we sent it, so waiting exactly one window could still land early.
    """

    def __init__(
        self,
        max_requests: int,
        window_seconds: float,
        margin_seconds: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        label: str = "",
    ) -> None:
        """``label`` names the quota's owner in the log ("<provider> account <account>")."""
        if max_requests < 1 or window_seconds <= 0:
            raise ValueError("a request quota needs max_requests >= 1 and window_seconds > 0")
        self.max_requests, self.window, self.margin = max_requests, window_seconds, margin_seconds
        self.label = label
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    _shared: ClassVar[dict[tuple[str, int, float], RequestPacer]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, quota_name: str, max_requests: int, window_seconds: float, label: str = "") -> RequestPacer:
        """The one pacer of this process for a quota (a provider account): runs that follow each
        other closely, or sources that share a key, draw on the same budget."""
        with cls._shared_lock:
            key = (quota_name, max_requests, window_seconds)
            if key not in cls._shared:
                cls._shared[key] = cls(max_requests, window_seconds, label=label or quota_name)
            return cls._shared[key]

    def wait(self) -> float:
        """Block until one more request fits the quota; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            while self._sent and now - self._sent[0] >= self.window + self.margin:
                self._sent.popleft()
            pause = 0.0
            if len(self._sent) >= self.max_requests:
                pause = self._sent[0] + self.window + self.margin - now
                if pause >= PACING_LOG_SECONDS:
                    logger.info("%s", RequestWait(self.label, pause, "pacing", self._quota()).message())
                self._sleep(pause)
                self._sent.popleft()
            self._sent.append(self._clock())
            self.waited_seconds += pause
            return pause

    @classmethod
    def for_account(
        cls, provider: str, account_id: str, max_requests: int, window_seconds: float
    ) -> RequestPacer | None:
        """The shared pacer of a provider account's quota, or None when no (valid) quota is set."""
        if max_requests < 1 or window_seconds <= 0:
            return None
        return cls.shared(f"{provider}:{account_id}", max_requests, window_seconds, f"{provider} account {account_id}")

    def _quota(self) -> str:
        return f"the quota of {self.max_requests} requests per {self.window:g} s"

    def seconds_until_window_expires(self) -> int:
        """What a 429 without Retry-After means: the quota was spent elsewhere (another process, a
        shared key), so wait a whole window."""
        return math.ceil(self.window + self.margin)


class RequestStats:
    """Attempts per provider in this process: ``requests``, ``status_429``, ``retries`` (attempts
    retried: 429, 5xx, connection errors, timeouts, cut-off bodies) and ``retry_wait_seconds``.
    Read a delta around a run."""

    _counts: ClassVar[dict[str, Counter]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def add(cls, provider: str, **counts: float) -> None:
        with cls._lock:
            cls._counts.setdefault(provider, Counter()).update(counts)

    @classmethod
    def snapshot(cls, provider: str) -> Counter:
        with cls._lock:
            return Counter(cls._counts.get(provider, Counter()))


# What a retry can fix when no answer came: no connection, a timeout, a body cut off under its
# declared Content-Length (ChunkedEncodingError), a body that could not be decoded.
_TRANSIENT_ERRORS = (ConnectionError, Timeout, ChunkedEncodingError, ContentDecodingError)


class ProviderAdapter(HTTPAdapter):
    """Sends each request until it has an answer worth returning (common/retries.py): waits for the
    pacer (if any) before every attempt, retries 429s and transient failures within the provider's
    budgets, logs every wait, counts attempts, and parses each JSON body once."""

    def __init__(self, provider: str, account_id: str | None, pacer: RequestPacer | None = None) -> None:
        super().__init__()
        self.provider, self.account_id, self.pacer = provider, account_id, pacer

    @functools.cached_property
    def settings(self) -> RetrySettings:
        """Read at the first request, not when the source is built: Dagster builds every source when
        it loads the definitions, and a bad setting must fail a run, not the code location."""
        return RetrySettings.for_provider(self.provider)

    def send(self, request: PreparedRequest, *args, **kwargs) -> Response:  # type: ignore[override]
        window = self.pacer.seconds_until_window_expires() if self.pacer is not None else None
        retries, attempt = RequestRetries(self.settings, rate_limit_window=window), 0
        while True:
            attempt += 1
            response, failure = self._attempt(request, *args, **kwargs)
            status = response.status_code if response is not None else None
            RequestStats.add(self.provider, requests=1, status_429=int(status == 429))
            if status == 429:
                decision = retries.after_rate_limit(response)
                wait, reason = decision if decision else (None, "")
            elif failure is not None or (status is not None and status >= 500):
                wait, reason = retries.after_transient(), "backoff"
            else:
                return response
            if wait is None:  # the budget is spent: the caller gets the last answer or error
                if failure is not None:
                    raise failure
                return response
            self._log_wait(request, failure, status, attempt, wait, reason)
            RequestStats.add(self.provider, retries=1, retry_wait_seconds=wait)
            time.sleep(wait)

    def _attempt(self, request: PreparedRequest, *args, **kwargs) -> tuple[Response | None, RequestException | None]:
        """One paced attempt: the response (its body read, a 2xx body parsed), or what went wrong."""
        if self.pacer is not None:
            self.pacer.wait()
        kwargs["timeout"] = kwargs.get("timeout") or self.settings.request_timeout_seconds
        try:
            response = super().send(request, *args, **kwargs)
            if not kwargs.get("stream"):
                response.content  # noqa: B018 (read here, so a cut-off body is this attempt's failure)
        except _TRANSIENT_ERRORS as error:
            return None, error
        if response.ok and not kwargs.get("stream"):
            failure = _parse_json_once(response)
            if failure is not None:
                return response, failure
        return response, None

    def _log_wait(
        self,
        request: PreparedRequest,
        failure: RequestException | None,
        status: int | None,
        attempt: int,
        wait: float,
        reason: str,
    ) -> None:
        answer = f"HTTP {status}" if failure is None else _describe(failure, status)
        where = f"{self.provider} account {self.account_id}" if self.account_id else self.provider
        path = urlsplit(request.url or "").path  # never the query: it may hold a key
        request_line = f"{request.method} {path}: {answer} (attempt {attempt})"
        logger.info("%s", RequestWait(where, wait, reason, request_line).message())


@dataclass(frozen=True)
class RequestWait:
    """A wait before a request, as the log says it. A retry's: ``<provider> account 1: GET
    /api/listings: HTTP 429 (attempt 1); retrying in 1 s (Retry-After)``; a pacer's: ``<provider>
    account default: pacing: waiting 57 s for the quota of 20 requests per 60 s``."""

    where: str  # "<provider> account <account>", or the provider
    seconds: float
    reason: str  # why this long: "Retry-After", "backoff", ...; "pacing" for the pacer
    what: str  # the request, what came back and the attempt; the quota, for the pacer

    @property
    def is_retry(self) -> bool:
        return self.reason != "pacing"

    @property
    def after_429(self) -> bool:
        return self.is_retry and ": HTTP 429 (" in self.what

    def message(self) -> str:
        if not self.is_retry:
            return f"{self.where}: pacing: waiting {self.seconds:.0f} s for {self.what}"
        return f"{self.where}: {self.what}; retrying in {self.seconds:.3g} s ({self.reason})"

    @classmethod
    def parse(cls, message: str) -> RequestWait | None:
        """The wait a log ``message`` announces; None when it announces none."""
        if match := _PACING_LINE.match(message):
            return cls(match["where"], float(match["seconds"]), "pacing", match["quota"])
        if match := _RETRY_LINE.match(message):
            return cls(match["where"], float(match["seconds"]), match["reason"], match["what"])
        return None


_PACING_LINE = re.compile(r"^(?P<where>.+?): pacing: waiting (?P<seconds>[\d.]+) s for (?P<quota>the quota .*)$")
_RETRY_LINE = re.compile(
    r"^(?P<where>.+?): (?P<what>[A-Z]+ \S*: .+ \(attempt \d+\)); retrying in (?P<seconds>[\d.e+]+) s "
    r"\((?P<reason>[^)]*)\)$"
)


def _describe(failure: RequestException, status: int | None) -> str:
    if isinstance(failure, InvalidJSONError):
        return f"HTTP {status} whose body is not valid JSON (cut off?)"
    if isinstance(failure, ChunkedEncodingError):
        return f"a body cut off in transit ({type(failure).__name__})"
    return f"no answer ({type(failure).__name__})"


def _parse_json_once(response: Response) -> InvalidJSONError | None:
    """Parse a 2xx JSON body now, so that one cut off in transit is a failed attempt, and share the
    result: dlt's client parses a page for its data and its paginator parses it again (a session hook
    cannot do this: the REST client's own response hooks replace the session's). Returns the error
    if the body does not parse.

    orjson parses it where ``requests`` would decode it as UTF-8 (its own ``response.json``, with
    simplejson, is what orjson's result must equal and what parses the rest: common/jsontext.py).

    The shared parse holds the response weakly: a response holding a function that holds the
    response is a reference cycle, which left each parsed page (an Apimo page is 57,000 objects) to
    the collector's full passes instead of freeing it with the response; they ran every five pages,
    walking the pages waiting for them, a quarter of an Apimo scan's time (profiled in one process)."""
    if not response.content:
        return None
    try:
        parsed = loads(response.content, exact=response.json) if _read_as_utf8(response.encoding) else response.json()
    except ValueError:
        return InvalidJSONError("the body is not valid JSON", request=response.request, response=response)
    this_response = weakref.ref(response)

    def json(**options):
        return Response.json(this_response(), **options) if options else parsed

    response.json = json  # type: ignore[method-assign]
    return None


def _read_as_utf8(encoding: str | None) -> bool:
    """Whether ``requests`` decodes a JSON body of this declared encoding as UTF-8: None makes it
    guess from the first bytes, UTF-8 without a BOM (orjson refuses the others, which then go to
    ``requests``)."""
    if encoding is None:
        return True
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def provider_session(provider: str, account_id: str | None = None, pacer: RequestPacer | None = None) -> Session:
    """A session for one provider account: retries within the provider's budgets (common/retries.py),
    paced when given a pacer, counted under ``provider``, each JSON body parsed once. dlt's own
    retrying session (``RUNTIME__REQUEST_MAX_ATTEMPTS``) is not used: its count of attempts cannot
    outlast a rate-limit storm."""
    session = Session(timeout=None, raise_for_status=False)  # the adapter sets each attempt's timeout
    adapter = ProviderAdapter(provider, account_id, pacer)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def data_path(path: str) -> JSONPath:
    """A REST client's ``data_selector``, compiled: dlt compiles one given as text again for every
    page, with jsonpath_ng's parser (about 0.75 ms a page, more than orjson takes to parse it)."""
    return compile_path(path)


def single_listing(
    client: RESTClient, path: str, provider: str, account_id: str | None, envelope: str | None = None
) -> dict[str, Any] | None:
    """A single-listing endpoint's answer (under ``envelope`` when the API wraps it), or None when it
    answers 404: no such listing. Other failures raise a ``ProviderRequestError``, like a page's."""
    response = guarded_request(lambda: client.get(path), provider, account_id, answers=(404,))
    if response.status_code == 404:
        return None
    body = response.json()
    return body[envelope] if envelope else body
