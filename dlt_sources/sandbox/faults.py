"""Switchable faults, armed per provider host and consumed by the requests they hit.

A fault fires ``times`` times (0: until cleared) after letting ``after`` matching requests through,
so a test can say exactly which request of a scan breaks.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

# kind -> default parameters
FAULT_KINDS: dict[str, dict[str, Any]] = {
    "server_error": {"status": 503},  # transient 5xx before the handler runs
    "rate_limit_burst": {"retry_after": 1},  # 429 with Retry-After, whatever the quota says
    "slow": {"delay": 2.0},  # seconds to wait before answering
    "truncated_body": {},  # announce the full Content-Length, send half, close
    "malformed_record": {"field": "price"},  # one record of a list page gets an invalid value
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
                fault.fired += 1
                if fault.times and fault.fired >= fault.times:
                    self._faults.remove(fault)
                return dict(fault.params)
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) for fault in self._faults]
