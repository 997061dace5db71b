"""The HTTP machinery every sandbox provider shares: routing, auth and quota hooks, faults.

Each provider host is a real ``ThreadingHTTPServer`` on 127.0.0.1. Responses go out in one write
with TCP_NODELAY set: without it keep-alive responses stall ~40 ms on Nagle's algorithm and delayed
ACKs, and a slow sandbox would hide the pipeline's own speed.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from .faults import FaultBoard
from .world import ListingState, World

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def args(self, name: str) -> list[str]:
        return self.query.get(name, [])


@dataclass
class Response:
    status: int
    payload: Any = None  # JSON, encoded by the app; bytes (an image) go out as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE


class HttpError(Exception):
    """Raised by handlers; rendered as the provider's own error envelope."""

    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.payload, self.headers = status, payload, headers or {}


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., Response]
    is_list: bool = False  # list endpoints get record-level faults and mid-scan shifts
    public: bool = False  # served without credentials (images a browser could load): one anonymous quota


def route(
    method: str, path: str, handler: Callable[..., Response], is_list: bool = False, public: bool = False
) -> Route:
    """``path`` uses ``{name}`` placeholders for one path segment each."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{regex}/?$"), handler, is_list, public)


ANONYMOUS_CALLER = "anonymous"  # the quota's caller for a public route


class FixedWindowLimiter:
    """``limit`` requests per ``window`` seconds per caller, windows starting at the first request."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def check(self, caller: str) -> float | None:
        """None if the request may go on, else the seconds until the window resets."""
        now = time.monotonic()
        with self._lock:
            started, count = self._windows.get(caller, (now, 0))
            if now - started >= self.window:
                started, count = now, 0
            if count >= self.limit:
                return max(0.0, self.window - (now - started))
            self._windows[caller] = (started, count + 1)
            return None


class ProviderApp:
    """Base of one provider host. Subclasses declare routes, auth, envelopes and record fields."""

    name: str = ""
    base_path: str = ""
    # Where a record keeps the fields the record-level faults break: name -> key path.
    record_fields: dict[str, tuple[str, ...]] = {}

    def __init__(self, worlds: dict[str, World], limiter: FixedWindowLimiter | None = None) -> None:
        self.worlds = worlds  # account id -> world
        self.limiter = limiter
        self.faults = FaultBoard()
        self.stats: Counter[str] = Counter()
        self.request_log: list[tuple[str, str, int]] = []  # method, path (no query), status
        self._stats_lock = threading.Lock()

    # ---- what subclasses provide ----------------------------------------------------------------
    def routes(self) -> list[Route]:
        raise NotImplementedError

    def authenticate(self, request: Request) -> str:
        """Return a caller identity (for quotas) or raise the provider's 401/403."""
        raise NotImplementedError

    def error(self, status: int, message: str) -> HttpError:
        return HttpError(status, {"error": message})

    def rate_limited(self, retry_after: float) -> HttpError:
        return HttpError(429, {"error": "Too Many Requests"}, {"Retry-After": str(max(1, round(retry_after)))})

    def rate_limit_fault(self, params: dict[str, Any]) -> HttpError:
        """The provider's own 429, with the fault's Retry-After (seconds or an HTTP date, as given), or
        none when the fault says null."""
        error = self.rate_limited(0)
        error.headers.pop("Retry-After", None)
        if params["retry_after"] is not None:
            error.headers["Retry-After"] = str(params["retry_after"])
        return error

    def records(self, payload: Any) -> list[dict[str, Any]]:
        """The list of records inside a list response."""
        raise NotImplementedError

    def served_record(self, world: World, state: ListingState) -> dict[str, Any]:
        """A listing's record as the list endpoint serves it."""
        raise NotImplementedError

    def served_records(self) -> Iterator[dict[str, Any]]:
        """Every record the list endpoint serves now, account by account, without HTTP or faults: what
        a full scan reads (the benchmarks' payloads)."""
        for world in self.worlds.values():
            for state in world.iter_listed(newest_first=self.newest_first):
                yield self.served_record(world, state)

    def credentials(self) -> dict[str, Any]:
        raise NotImplementedError

    def presented_credential(self, request: Request) -> str:
        """The secret an authenticated request carried (echoed by the echo_credentials fault)."""
        raise NotImplementedError

    def shift_world(self, request: Request) -> World:
        """The world a list request scanned (for mid-scan insert/remove faults)."""
        return next(iter(self.worlds.values()))

    newest_first: bool = True

    def encode(self, payload: Any) -> bytes:
        """A response body; a provider whose server writes JSON its own way overrides this."""
        return encode(payload)

    def fixed_truth(self) -> list[dict[str, Any]]:
        """Truth records (``truth.listing_truth``) of listings served outside every world, which never
        change: none, unless a provider serves a document's example."""
        return []

    # ---- dispatch -----------------------------------------------------------------------------
    def dispatch(self, request: Request) -> tuple[Response, str | None]:
        """Run one request; returns the response and how to cut its body short, if at all
        (``truncated_body`` or ``truncated_json``)."""
        if not hasattr(self, "_routes"):
            self._routes = self.routes()
        for candidate in self._routes:
            match = candidate.pattern.match(request.path)
            if match and candidate.method == request.method:
                break
        else:
            raise self.error(404, f"no route for {request.method} {request.path}")
        caller = ANONYMOUS_CALLER if candidate.public else self.authenticate(request)
        if self.limiter is not None:
            wait = self.limiter.check(caller)
            if wait is not None:
                raise self.rate_limited(wait)
        slow = self.faults.take("slow")
        try:
            if (error := self.faults.take("server_error")) is not None:
                raise self.error(int(error["status"]), "Internal server error (sandbox fault)")
            for kind in ("rate_limit_storm", "rate_limit_burst"):
                if (rate_limit := self.faults.take(kind)) is not None:
                    raise self.rate_limit_fault(rate_limit)
            response = candidate.handler(request, **match.groupdict())
            if candidate.is_list:
                self._apply_record_faults(self.records(response.payload), request)
                for kind, world_change in (("shift_insert", "new_listing"), ("shift_remove", "removed")):
                    if self.faults.take(kind) is not None:
                        self.shift_world(request).mutate_now(world_change, self.newest_first)
            cuts = ("truncated_body", "truncated_json")
            return response, next((kind for kind in cuts if self.faults.take(kind) is not None), None)
        finally:
            # Late, so the slow request has taken its turn at every other fault before the client's
            # retry arrives: otherwise the retry could meet a fault meant for this request.
            if slow is not None:
                time.sleep(float(slow["delay"]))

    def _apply_record_faults(self, records: list[dict[str, Any]], request: Request) -> None:
        if not records:
            return
        if (fault := self.faults.take("malformed_record")) is not None:
            path = self.record_fields[fault["field"]]
            broken = {"price": "call for price", "id": None, "updated_at": "not-a-date"}[fault["field"]]
            _set_path(records[len(records) // 2], path, broken)
        if (fault := self.faults.take("unknown_value")) is not None:
            _set_path(records[0], self.record_fields[fault["field"]], fault["value"])  # not malformed_record's
        if (fault := self.faults.take("type_change")) is not None:
            path = self.record_fields[fault["field"]]
            for record in records:
                value = _get_path(record, path)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    _set_path(record, path, str(value))
        if (fault := self.faults.take("new_field")) is not None:
            for record in records:
                record[fault["name"]] = fault["value"]
        if (fault := self.faults.take("echo_credentials")) is not None:
            link = f"https://{self.name}.sandbox{request.path}?key={quote(self.presented_credential(request), safe='')}"
            for record in records:
                record[fault["field"]] = link

    def count(self, method: str, path: str, status: int) -> None:
        with self._stats_lock:
            self.stats["requests"] += 1
            self.stats[f"status_{status}"] += 1
            self.request_log.append((method, path, status))


def _get_path(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        record = record.get(key) if isinstance(record, dict) else None
    return record


def _set_path(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        record = record.setdefault(key, {})
    record[path[-1]] = value


def encode(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def make_handler(app: ProviderApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"listings-sandbox-{app.name}"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
            pass  # request_log and stats keep what tests need; stderr stays quiet

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            cut = None
            try:
                response, cut = app.dispatch(request)
            except HttpError as exc:
                response = Response(exc.status, exc.payload, exc.headers)
            except Exception as exc:  # a sandbox bug must look like a 500, not a dropped socket
                response = Response(500, {"error": f"sandbox bug: {type(exc).__name__}: {exc}"})
            app.count(request.method, request.path, response.status)
            raw = isinstance(response.payload, bytes)  # an image's bytes, not JSON
            body = response.payload if raw else app.encode(response.payload)
            if cut == "truncated_json":  # a complete HTTP answer whose JSON stops halfway
                body = body[: len(body) // 2]
            head = [
                f"HTTP/1.1 {response.status} {self.responses.get(response.status, ('',))[0]}",
                f"Content-Type: {response.content_type if raw else JSON_TYPE}",
                f"Content-Length: {len(body)}",
                f"Date: {self.date_time_string()}",
                f"Server: {self.server_version}",
            ]
            head += [f"{name}: {value}" for name, value in response.headers.items()]
            if cut == "truncated_body":  # the full length announced, half sent: a short read
                head.append("Connection: close")
                body = body[: len(body) // 2]
                self.close_connection = True
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            self.wfile.flush()

        do_GET = do_POST = do_PUT = do_DELETE = _handle

    return Handler


class ProviderServer:
    """A provider app bound to a loopback port, served from a daemon thread."""

    def __init__(self, app: ProviderApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.httpd = ThreadingHTTPServer((host, port), make_handler(app))
        self.httpd.daemon_threads = True
        # a short poll keeps stop() quick: shutdown() waits for the serving loop to notice
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox-{app.name}", daemon=True
        )

    @property
    def root_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.root_url + self.app.base_path

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
