"""The sources' HTTP session: dlt's retrying session with our adapter under it.

dlt's REST client retries 429 and honours Retry-After, but it does not pace requests in advance.
Pacing sits in the HTTP adapter, under dlt's retrying session, so every attempt (retries too) waits
its turn. The adapter also counts what each provider was asked and answered (requests, 429s,
retries) for the run's metadata, and makes each response parse its JSON body once.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import ClassVar

from dlt.sources.helpers.requests import Client
from requests import PreparedRequest, Response, Session
from requests.adapters import HTTPAdapter


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
    ) -> None:
        if max_requests < 1 or window_seconds <= 0:
            raise ValueError("a request quota needs max_requests >= 1 and window_seconds > 0")
        self.max_requests, self.window, self.margin = max_requests, window_seconds, margin_seconds
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    _shared: ClassVar[dict[tuple[str, int, float], RequestPacer]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, quota_name: str, max_requests: int, window_seconds: float) -> RequestPacer:
        """The one pacer of this process for a quota (a provider account): runs that follow each
        other closely, or sources that share a key, draw on the same budget."""
        with cls._shared_lock:
            key = (quota_name, max_requests, window_seconds)
            if key not in cls._shared:
                cls._shared[key] = cls(max_requests, window_seconds)
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
        return cls.shared(f"{provider}:{account_id}", max_requests, window_seconds)

    def seconds_until_window_expires(self) -> int:
        """What a 429 without Retry-After means: wait for the current window to expire."""
        return math.ceil(self.window + self.margin)


class RequestStats:
    """Attempts per provider in this process: ``requests``, ``status_429``, and ``retries`` (answers
    dlt's session retries: 429, 5xx, connection errors and timeouts). Read a delta around a run."""

    _counts: ClassVar[dict[str, Counter]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def add(cls, provider: str, **counts: int) -> None:
        with cls._lock:
            cls._counts.setdefault(provider, Counter()).update(counts)

    @classmethod
    def snapshot(cls, provider: str) -> Counter:
        with cls._lock:
            return Counter(cls._counts.get(provider, Counter()))


def _is_retried(status: int) -> bool:
    return status == 429 or status >= 500


class ProviderAdapter(HTTPAdapter):
    """Waits for the pacer (if any) before each attempt, counts attempts, and makes each response
    parse its body once."""

    def __init__(self, provider: str, pacer: RequestPacer | None = None) -> None:
        super().__init__()
        self.provider, self.pacer = provider, pacer

    def send(self, request: PreparedRequest, *args, **kwargs) -> Response:  # type: ignore[override]
        if self.pacer is not None:
            self.pacer.wait()
        try:
            response = super().send(request, *args, **kwargs)
            if not kwargs.get("stream"):
                response.content  # noqa: B018 (read here, so a cut-off body counts as the failed attempt it is)
        except OSError:  # requests' connection, timeout and cut-off body errors: dlt's session retries them
            RequestStats.add(self.provider, requests=1, retries=1)
            raise
        status = response.status_code
        RequestStats.add(self.provider, requests=1, status_429=int(status == 429), retries=int(_is_retried(status)))
        if self.pacer is not None and response.status_code == 429 and "Retry-After" not in response.headers:
            # another process spent the quota: dlt's retry honours Retry-After, so give it the window
            response.headers["Retry-After"] = str(self.pacer.seconds_until_window_expires())
        _parse_json_once(response)
        return response


def _parse_json_once(response: Response) -> None:
    """dlt's client parses a page for its data and its paginator parses it again; a source that
    reads a response-level field (a total, a cursor) would be a third. Parse once, share the result.
    (A session hook cannot do this: the REST client's own response hooks replace the session's.)"""
    parse, parsed = response.json, []

    def json(**options):
        if options:
            return parse(**options)
        if not parsed:
            parsed.append(parse())
        return parsed[0]

    response.json = json  # type: ignore[method-assign]


def provider_session(provider: str, pacer: RequestPacer | None = None) -> Session:
    """dlt's retrying session (429 with Retry-After, 5xx and connection errors, with backoff),
    paced when given a pacer, counted under ``provider``, with each response body parsed at most once."""
    session = Client(raise_for_status=False).session
    adapter = ProviderAdapter(provider, pacer)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
