"""Switchable faults, armed per provider host and consumed by the requests they hit.

A fault fires ``times`` times (0: until cleared) after letting ``after`` matching requests through,
so a test can say exactly which request of a scan breaks. Two kinds pace themselves instead: a
``rate`` below 1 fires on that share of the requests it meets, evenly spread (0.1: every tenth), so
a run repeats; a ``rate_limit_storm`` answers every request 429 for ``seconds`` from the first one it
meets. Any
number of faults may be armed at once on one host; each request takes its turn at every kind.

What real APIs were seen to do, and the fault that does it: a 429 burst with or without Retry-After
(``rate_limit_burst``, ``retry_after=null``), 429s for minutes (``rate_limit_storm``), 5xx at a rate
(``server_error``, ``rate=0.1``, ``times=0``), a body cut off under its full Content-Length
(``truncated_body``: the client sees a short read), and a 200 whose body is cut-off JSON under a
matching Content-Length (``truncated_json``: only parsing notices).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# kind -> default parameters
FAULT_KINDS: dict[str, dict[str, Any]] = {
    # transient 5xx before the handler runs; with rate < 1, on that share of the requests it meets
    "server_error": {"status": 503, "rate": 1.0},
    # 429 whatever the quota says, with Retry-After (seconds) or, given null, without one
    "rate_limit_burst": {"retry_after": 1},
    # every request answered 429 for `seconds` from the first one it meets (`times` is ignored)
    "rate_limit_storm": {"seconds": 10.0, "retry_after": None},
    "slow": {"delay": 2.0},  # seconds to wait before answering
    "truncated_body": {},  # announce the full Content-Length, send half, close: a short read
    "truncated_json": {},  # send half the body under a Content-Length that matches it: invalid JSON
    "malformed_record": {"field": "price"},  # one record of a list page gets an invalid value
    # the first record of a list page gets a word no document lists (real APIs grow vocabularies):
    # field property_type or status (a host whose records have no status has only property_type)
    "unknown_value": {"field": "property_type", "value": "sandbox_unlisted_value"},
    "new_field": {"name": "sandbox_new_field", "value": {"introduced": "by the sandbox"}},
    "type_change": {"field": "price"},  # a number arrives as a string on every record of a page
    "shift_insert": {},  # after a list page is served, a new listing is created
    "shift_remove": {},  # after a list page is served, a listing the client already saw is removed
    # every record of a list page gets a link echoing the request's credential, as some APIs sign links
    "echo_credentials": {"field": "url"},
}


@dataclass
class Fault:
    kind: str
    times: int = 1
    after: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0
    started_at: float | None = None  # a storm's first request
    credit: float = 0.0  # a rate's share of the requests met so far, less what fired


class FaultBoard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def arm(self, kind: str, times: int = 1, after: int = 0, **params: Any) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose one of {sorted(FAULT_KINDS)}")
        if times < 0 or after < 0:
            raise ValueError("times and after must be >= 0")
        unknown = set(params) - set(FAULT_KINDS[kind])
        if unknown:
            raise ValueError(f"fault {kind!r} takes {sorted(FAULT_KINDS[kind])}, not {sorted(unknown)}")
        fault = Fault(kind, times, after, {**FAULT_KINDS[kind], **params})
        if not 0 < float(fault.params.get("rate", 1.0)) <= 1:
            raise ValueError("rate must be in (0, 1]")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, kind: str) -> dict[str, Any] | None:
        """The parameters of an armed fault of this kind if it fires on this occasion, else None."""
        with self._lock:
            for fault in self._faults:
                if fault.kind != kind:
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    return None
                if kind == "rate_limit_storm":
                    return self._storm(fault)
                fault.credit = round(fault.credit + float(fault.params.get("rate", 1.0)), 9)
                if fault.credit < 1:
                    return None
                fault.credit -= 1
                fault.fired += 1
                if fault.times and fault.fired >= fault.times:
                    self._faults.remove(fault)
                return dict(fault.params)
        return None

    def _storm(self, fault: Fault) -> dict[str, Any] | None:
        now = time.monotonic()
        if fault.started_at is None:
            fault.started_at = now
        if now - fault.started_at >= float(fault.params["seconds"]):
            self._faults.remove(fault)
            return None
        fault.fired += 1
        return dict(fault.params)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) for fault in self._faults]
