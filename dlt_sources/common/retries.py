"""How long one request may keep trying: a time budget per provider, not a count of attempts.

Real APIs rate-limit for minutes and fail in bursts. dlt's retrying session gives up after
``request_max_attempts`` (5) attempts whatever the cause, so a 429 burst of five answers, or four
429s and one cut-off body, failed a whole scan. Here each request has two budgets:

- **429**: wait as the provider says (``Retry-After``, in seconds or as an HTTP date); without it,
  a whole quota window where the provider documents one (a minute's quota: 60 s, the pacer's window), else an
  exponential backoff with jitter; until ``rate_limit_budget_seconds`` of waiting is spent.
- **transient failures** (5xx, timeouts, refused or reset connections, a body cut off under its
  declared length, a 2xx whose JSON does not parse): exponential backoff with jitter, for at most
  ``transient_max_attempts`` attempts within ``transient_budget_seconds``.

Anything else (400, 401, 403, 404, ...) is answered at once: retrying cannot fix it.

Settings, per provider under ``[sources.<provider>]`` (or for every provider under ``[sources]``;
environment ``SOURCES__<PROVIDER>__<NAME>``), with the defaults below: ``request_timeout_seconds``,
``rate_limit_budget_seconds``, ``transient_max_attempts``, ``transient_budget_seconds``,
``backoff_initial_seconds``, ``backoff_max_seconds``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.specs import BaseConfiguration
from requests import Response


@configspec
class RetrySettings(BaseConfiguration):
    request_timeout_seconds: float = 60.0  # connect and each read; a slower answer is a transient failure
    rate_limit_budget_seconds: float = 900.0  # seconds one request may spend waiting out 429s
    transient_max_attempts: int = 10  # attempts of one request through 5xx, timeouts and cut-off bodies
    transient_budget_seconds: float = 300.0  # seconds from its first transient failure
    backoff_initial_seconds: float = 1.0  # the first backoff; it doubles per retry, with jitter
    backoff_max_seconds: float = 30.0  # the longest single backoff

    def on_resolved(self) -> None:
        if min(self.request_timeout_seconds, self.backoff_initial_seconds, self.backoff_max_seconds) <= 0:
            raise ValueError("request_timeout_seconds and the backoff settings must be positive")
        if self.transient_max_attempts < 1 or min(self.rate_limit_budget_seconds, self.transient_budget_seconds) < 0:
            raise ValueError("transient_max_attempts must be >= 1 and the retry budgets >= 0")

    @classmethod
    def for_provider(cls, provider: str) -> RetrySettings:
        """The provider's settings (``[sources.<provider>]``, falling back to ``[sources]``)."""
        return resolve_configuration(cls(), sections=("sources", provider))


def retry_after_seconds(response: Response) -> float | None:
    """The wait a ``Retry-After`` header asks for (delta seconds or an HTTP date), if any."""
    header = (response.headers.get("Retry-After") or "").strip()
    if not header:
        return None
    if header.isdigit():
        return float(header)
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


@dataclass
class RequestRetries:
    """One request's retries: what to wait after each failed attempt, and when to give up.

    ``rate_limit_window`` is the provider's documented quota window, waited whole after a 429 that
    says nothing; None backs off exponentially instead.
    """

    settings: RetrySettings
    rate_limit_window: float | None = None
    clock: Callable[[], float] = time.monotonic
    rate_limited: int = 0  # 429s so far
    rate_limit_waited: float = 0.0
    transient: int = 0  # transient failures so far
    first_transient_at: float | None = None
    _random: random.Random = field(default_factory=random.Random)

    def after_rate_limit(self, response: Response) -> tuple[float, str] | None:
        """The wait before the next attempt and why, or None when the 429 budget is spent."""
        self.rate_limited += 1
        asked = retry_after_seconds(response)
        if asked is not None:
            wait, reason = asked, "Retry-After"
        elif self.rate_limit_window is not None:
            wait, reason = self.rate_limit_window, "the documented quota window"
        else:
            wait, reason = self._backoff(self.rate_limited), "backoff"
        if self.rate_limit_waited + wait > self.settings.rate_limit_budget_seconds:
            return None
        self.rate_limit_waited += wait
        return wait, reason

    def after_transient(self) -> float | None:
        """The backoff before the next attempt, or None when the transient budget is spent."""
        now = self.clock()
        self.transient += 1
        if self.first_transient_at is None:
            self.first_transient_at = now
        wait = self._backoff(self.transient)
        spent = now - self.first_transient_at + wait
        if self.transient >= self.settings.transient_max_attempts or spent > self.settings.transient_budget_seconds:
            return None
        return wait

    def _backoff(self, failures: int) -> float:
        """Exponential, capped, with "equal jitter": half fixed, half random, so clients that failed
        together do not come back together."""
        ceiling = min(self.settings.backoff_max_seconds, self.settings.backoff_initial_seconds * 2 ** (failures - 1))
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)
