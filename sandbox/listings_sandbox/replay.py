"""Record the sandbox's answers once, then serve the same bytes again at next to no CPU: the benchmarks'
stand-in for a provider API that costs the client's machine nothing.

    python -m listings_sandbox.replay --upstream-info data/sandbox.json --info-file replay.json --folder rec/

The live sandbox builds every payload on request in one Python process; on the benchmark's two cores
that work competes with the pipeline it serves (24 CPU s for a 100k scan). A ``ReplayServer`` listens
on one port per provider host of the upstream sandbox's info (``listings sandbox serve --info-file``),
and writes an info file of the same shape: each host's ``base_url`` points at it, the credentials are
the sandbox's, so ``listings run --sandbox`` and ``dlt_environment`` use it unchanged. ``control_url``
stays the sandbox's (advance, truth); ``replay_url`` is this server's own control.

- **record** (the start mode): each request goes to the sandbox as it came (its headers, ``Host``
  included, so links the sandbox builds from ``Host`` point back here, and its auth untouched); the
  answer is stored under (host, method, path, sorted query, the request's credential headers, a hash
  of its body) -> status line, headers, body bytes. The body goes to a file in ``--folder``; memory
  keeps the index only.
- **replay**: a recorded request is answered with the stored bytes (``pread`` and one write: no JSON,
  no sandbox). One it has not recorded goes to the sandbox and is counted as a miss (its target is
  kept among ``miss_samples``); a miss is not recorded.

Credential headers are in the key because one path may serve several accounts told apart by their
key (a provider's stores, each with its own); ``Host``, ``User-Agent`` and the like are not, so a
client's version or port does not turn a hit into a miss.

Control (JSON): ``GET /`` the info; ``GET /stats`` counts per host (requests, hits, misses, recorded,
bytes served) and the mode; ``POST /mode`` ``{"mode": "record" | "replay"}``; ``POST /clear`` forgets
every recording and zeroes the counts; ``POST /reset-stats`` zeroes the counts; ``GET /recorded`` each
recorded request as it came (host, method, target, credential headers): the benchmarks' raw HTTP floor
fetches them all. Development only, loopback only; it uses the standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import signal
import socket
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RECORD, REPLAY = "record", "replay"
# transport headers a forwarded request or a stored answer does not carry over
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade"})
MISS_SAMPLES = 20


def credential_headers(headers: Any) -> tuple[tuple[str, str], ...]:
    """The request headers that say who asks (``Authorization``, ``X-Api-Key``, any header naming a key,
    token or auth), lower-cased and sorted: part of the key."""
    return tuple(
        sorted(
            (name.lower(), value)
            for name, value in headers.items()
            if any(word in name.lower() for word in ("auth", "key", "token"))
        )
    )


def request_key(host: str, method: str, target: str, credentials: tuple, body: bytes) -> tuple:
    """What makes two requests the same request: host, method, path, query (sorted), credentials, body."""
    parts = urlsplit(target)
    query = tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return host, method, parts.path, query, credentials, hashlib.sha1(body).hexdigest() if body else ""


@dataclass(frozen=True)
class Recorded:
    head: bytes  # status line and headers, Content-Length last, the blank line included
    offset: int  # of the body in the recording's file
    length: int
    method: str
    target: str  # path and query as the client sent them
    credentials: tuple[tuple[str, str], ...]


class Recording:
    """Stored answers: bodies appended to one file, an index in memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._generation = 0
        self._open()

    def _open(self) -> None:
        self._generation += 1
        self.path = self.folder / f"bodies-{self._generation}.bin"
        self._file = self.path.open("wb+")
        self._fd = self._file.fileno()
        self._size = 0
        self.index: dict[tuple, Recorded] = {}

    def clear(self) -> None:
        with self._lock:
            old = self._file
            self._open()
        old.close()
        Path(old.name).unlink(missing_ok=True)

    def store(self, key: tuple, head: bytes, body: bytes, method: str, target: str, credentials: tuple) -> None:
        with self._lock:
            os.pwrite(self._fd, body, self._size)
            self.index[key] = Recorded(head, self._size, len(body), method, target, credentials)
            self._size += len(body)

    def answer(self, key: tuple) -> bytes | None:
        """The stored answer's bytes, or None if the request was not recorded."""
        recorded = self.index.get(key)
        if recorded is None:
            return None
        return recorded.head + os.pread(self._fd, recorded.length, recorded.offset)

    def close(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class ReplayServer:
    """One port per provider host of the upstream sandbox's info, and a control port. Start with
    ``start()``, or use as a context manager."""

    def __init__(self, upstream_info: dict[str, Any], folder: Path, address: str = "127.0.0.1") -> None:
        self.upstream_info = upstream_info
        self.recording = Recording(folder)
        self.mode = RECORD
        self.stats: dict[str, Counter[str]] = {host: Counter() for host in upstream_info["providers"]}
        self.miss_samples: list[str] = []
        self._stats_lock = threading.Lock()
        self._local = threading.local()  # a kept-alive connection to the sandbox per thread and host
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.upstreams: dict[str, tuple[str, int]] = {}
        for host, host_info in upstream_info["providers"].items():
            parts = urlsplit(host_info["base_url"])
            self.upstreams[host] = (parts.hostname or "127.0.0.1", parts.port or 80)
            self.servers[host] = _server(address, _provider_handler(self, host))
        self.control = _server(address, _control_handler(self))
        self._threads: list[threading.Thread] = []

    # ---- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> ReplayServer:
        for server in [*self.servers.values(), self.control]:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in [*self.servers.values(), self.control]:
            server.shutdown()
            server.server_close()
        self.recording.close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- what the bench and tests ask --------------------------------------------------------------
    @property
    def control_url(self) -> str:
        return _root_url(self.control)

    def info(self) -> dict[str, Any]:
        """The upstream sandbox's info with every host's ``base_url`` here, and ``replay_url``."""
        providers = {}
        for host, host_info in self.upstream_info["providers"].items():
            path = urlsplit(host_info["base_url"]).path
            providers[host] = {**host_info, "base_url": _root_url(self.servers[host]) + path}
        return {**self.upstream_info, "providers": providers, "replay_url": self.control_url}

    def set_mode(self, mode: str) -> None:
        if mode not in (RECORD, REPLAY):
            raise ValueError(f"mode must be {RECORD!r} or {REPLAY!r}, not {mode!r}")
        self.mode = mode

    def clear(self) -> None:
        self.recording.clear()
        self.reset_stats()

    def reset_stats(self) -> None:
        with self._stats_lock:
            for counter in self.stats.values():
                counter.clear()
            self.miss_samples.clear()

    def stats_report(self) -> dict[str, Any]:
        with self._stats_lock:
            hosts = {host: dict(counter) for host, counter in self.stats.items()}
            samples = list(self.miss_samples)
        return {
            "mode": self.mode,
            "recorded": len(self.recording.index),
            "misses": sum(counts.get("misses", 0) for counts in hosts.values()),
            "miss_samples": samples,
            "hosts": hosts,
        }

    def recorded_requests(self) -> list[dict[str, Any]]:
        """Each recorded request as the client sent it, with the URL to fetch it here."""
        return [
            {
                "host": key[0],
                "method": recorded.method,
                "url": _root_url(self.servers[key[0]]) + recorded.target,
                "headers": dict(recorded.credentials),
                "bytes": recorded.length,
            }
            for key, recorded in list(self.recording.index.items())
        ]

    # ---- serving -----------------------------------------------------------------------------------
    def count(self, host: str, **counts: int) -> None:
        with self._stats_lock:
            self.stats[host].update(counts)

    def handle(self, host: str, handler: BaseHTTPRequestHandler, body: bytes) -> bytes:
        """The bytes that answer one request to ``host``: stored, or the sandbox's."""
        credentials = credential_headers(handler.headers)
        key = request_key(host, handler.command, handler.path, credentials, body)
        if self.mode == REPLAY:
            answer = self.recording.answer(key)
            if answer is not None:
                self.count(host, requests=1, hits=1, bytes=len(answer))
                return answer
        status, reason, headers, upstream_body = self.forward(host, handler, body)
        head = _head(status, reason, headers, len(upstream_body))
        if self.mode == RECORD:
            self.recording.store(key, head, upstream_body, handler.command, handler.path, credentials)
            self.count(host, requests=1, recorded=1, bytes=len(head) + len(upstream_body))
        else:
            self.count(host, requests=1, misses=1, bytes=len(head) + len(upstream_body))
            with self._stats_lock:
                if len(self.miss_samples) < MISS_SAMPLES:
                    self.miss_samples.append(f"{host} {handler.command} {handler.path}")
        return head + upstream_body

    def forward(
        self, host: str, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """The request, as it came, to the sandbox; one retry on a fresh connection if the kept one closed."""
        headers = {name: value for name, value in handler.headers.items() if name.lower() not in HOP_BY_HOP}
        for attempt in (1, 2):
            connection = self._connection(host, fresh=attempt == 2)
            try:
                connection.request(handler.command, handler.path, body=body or None, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                connection.close()
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                connection.close()
            return response.status, response.reason, response.getheaders(), data
        raise AssertionError("unreachable")

    def _connection(self, host: str, fresh: bool) -> http.client.HTTPConnection:
        connections = self._local.__dict__.setdefault("connections", {})
        connection = connections.get(host)
        if connection is None or fresh:
            if connection is not None:
                connection.close()
            address, port = self.upstreams[host]
            connection = connections[host] = http.client.HTTPConnection(address, port, timeout=600)
        return connection


def _head(status: int, reason: str, headers: list[tuple[str, str]], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers if name.lower() not in HOP_BY_HOP | {"content-length"}]
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _root_url(server: ThreadingHTTPServer) -> str:
    address, port = server.server_address[:2]
    return f"http://{address}:{port}"


def _server(address: str, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((address, 0), handler)
    server.daemon_threads = True
    return server


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the sandbox: no Nagle stall

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        pass

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


def _provider_handler(replay: ReplayServer, host: str) -> type[BaseHTTPRequestHandler]:
    class Handler(_QuietHandler):
        def _handle(self) -> None:
            try:
                answer = replay.handle(host, self, self.read_body())
            except Exception as exc:  # the sandbox gone or broken: a 502 the client reports, not a dropped socket
                message = json.dumps({"error": f"replay: sandbox unreachable: {type(exc).__name__}: {exc}"}).encode()
                answer = _head(502, "Bad Gateway", [("Content-Type", "application/json")], len(message)) + message
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    return Handler


def _control_handler(replay: ReplayServer) -> type[BaseHTTPRequestHandler]:
    def mode(body: dict[str, Any]) -> dict[str, Any]:
        replay.set_mode(body.get("mode", ""))
        return replay.stats_report()

    routes: dict[tuple[str, str], Callable[[dict[str, Any]], Any]] = {
        ("GET", "/"): lambda body: replay.info(),
        ("GET", "/stats"): lambda body: replay.stats_report(),
        ("GET", "/recorded"): lambda body: replay.recorded_requests(),
        ("POST", "/mode"): mode,
        ("POST", "/clear"): lambda body: (replay.clear(), replay.stats_report())[1],
        ("POST", "/reset-stats"): lambda body: (replay.reset_stats(), replay.stats_report())[1],
    }

    class Handler(_QuietHandler):
        def _handle(self) -> None:
            call = routes.get((self.command, urlsplit(self.path).path.rstrip("/") or "/"))
            try:
                raw = self.read_body()
                status, payload = (200, call(json.loads(raw or b"{}"))) if call else (404, {"error": "no route"})
            except ValueError as exc:
                status, payload = 400, {"error": str(exc)}
            body = json.dumps(payload).encode()
            reason = self.responses.get(status, ("",))[0]
            self.wfile.write(_head(status, reason, [("Content-Type", "application/json")], len(body)) + body)

        do_GET = do_POST = _handle

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream-info", type=Path, required=True, help="the sandbox's info file (serve --info-file)")
    parser.add_argument("--info-file", type=Path, required=True, help="where to write this server's info")
    parser.add_argument("--folder", type=Path, default=None, help="where recorded bodies go (default: a temp folder)")
    args = parser.parse_args(argv)
    temporary_folder = args.folder is None
    folder = args.folder or Path(tempfile.mkdtemp(prefix="listings-replay-"))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with ReplayServer(json.loads(args.upstream_info.read_text()), folder) as replay:
        temporary = args.info_file.with_name(args.info_file.name + ".tmp")
        temporary.write_text(json.dumps(replay.info(), indent=2))
        temporary.chmod(0o600)  # it holds the sandbox's credentials
        temporary.replace(args.info_file)  # whole or absent: a reader never sees half of it
        print(f"# replaying the sandbox; info in {args.info_file}; Ctrl-C stops it", file=sys.stderr, flush=True)
        stop.wait()
    if temporary_folder:
        folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
