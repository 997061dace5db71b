"""Errors that tell an operator what to fix, naming provider and account, and never a secret.

The sources' HTTP adapter retries 429s and transient failures within the provider's budgets
(common/retries.py); what still fails reaches the source as a ``requests`` exception whose text
holds the full URL (with an API that takes its key in the query string, the key). ``guarded_pages`` turns those into a
``ProviderRequestError`` raised outside the ``except`` block, so the original exception is not
chained to it and its text reaches no log or Dagster event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar
from urllib.parse import urlsplit

from requests import RequestException, Response
from requests.exceptions import InvalidJSONError

from .secrets import REDACTOR

T = TypeVar("T")

_HINTS = {
    400: "the API rejected the request parameters; check the source's filter and constraint settings",
    401: "the credentials were refused; check this account's key or token",
    403: "the credentials were refused or lack access; check this account's key or token",
    404: "no such endpoint; check base_url",
    429: "still rate-limited when the retry budget ran out; raise rate_limit_budget_seconds, or pace lower "
    "with max_requests_per_window where the source has it",
}
_TRANSIENT_HINT = (
    "the API kept failing after the retries (transient_max_attempts, transient_budget_seconds); "
    "check the provider's status, then run again"
)
_BODY_EXCERPT = 300


class ProviderError(Exception):
    """A provider source cannot go on; the message says what to fix."""

    def __init__(self, provider: str, account_id: str | None, problem: str) -> None:
        where = f"{provider} account {account_id}" if account_id else provider
        super().__init__(REDACTOR.redact(f"{where}: {problem}"))


class ProviderConfigError(ProviderError):
    """A setting is missing or invalid; raised before any request is made."""


class ProviderRequestError(ProviderError):
    """The API refused a request (4xx), or stayed unreachable or failing after the retries."""


def request_error(provider: str, account_id: str | None, error: RequestException) -> ProviderRequestError:
    response = error.response
    request = error.request or (response.request if response is not None else None)
    target = ""
    if request is not None and request.url:
        target = f" from {request.method} {urlsplit(request.url).path}"  # the query may hold the key
    if response is None:
        cause = type(error).__name__
        return ProviderRequestError(
            provider, account_id, f"no answer{target} after retries ({cause}); check base_url and the network"
        )
    if isinstance(error, InvalidJSONError):
        problem = f"HTTP {response.status_code}{target}: the body was not valid JSON (cut off?) on every attempt"
        return ProviderRequestError(provider, account_id, f"{problem}; {_TRANSIENT_HINT}")
    body = response.text[:_BODY_EXCERPT].strip() if response.text else ""
    hint = _HINTS.get(response.status_code, _TRANSIENT_HINT)
    return ProviderRequestError(
        provider, account_id, f"HTTP {response.status_code}{target}: {hint}" + (f". It said: {body}" if body else "")
    )


def guarded_pages(pages: Iterable[T], provider: str, account_id: str | None) -> Iterator[T]:
    """``pages`` with request failures turned into a ``ProviderRequestError`` that carries no secret."""
    iterator = iter(pages)
    while True:
        failure: ProviderRequestError | None = None
        try:
            page = next(iterator)
        except StopIteration:
            return
        except RequestException as error:
            failure = request_error(provider, account_id, error)
        if failure is not None:
            raise failure  # outside the except block: the URL-bearing original is not chained
        yield page


def guarded_request(
    send: Callable[[], Response], provider: str, account_id: str | None, answers: Iterable[int] = ()
) -> Response:
    """One request outside paging (a single-listing endpoint): a failure, or a 4xx/5xx other than
    ``answers``, becomes a ``ProviderRequestError`` that carries no secret."""
    failure: ProviderRequestError | None = None
    try:
        response = send()
        if response.status_code not in answers:
            response.raise_for_status()
        return response
    except RequestException as error:
        failure = request_error(provider, account_id, error)
    raise failure  # outside the except block: the URL-bearing original is not chained


class SettingsCheck:
    """A source's setting problems, collected when the source is built and raised, all at once, when
    it runs, before its first request. (Dagster builds every source when definitions load, with
    placeholder settings; only a run needs valid ones.)"""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.problems: list[str] = []

    def require(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)

    def base_url(self, base_url: str) -> str:
        """``base_url`` without a trailing slash, noted as a problem unless an http(s) URL with a host."""
        parts = urlsplit(base_url or "")
        self.require(
            parts.scheme in ("http", "https") and bool(parts.netloc),
            f"base_url {base_url!r} is not an http(s) URL with a host",
        )
        return (base_url or "").rstrip("/")

    def raise_if_invalid(self) -> None:
        if self.problems:
            raise ProviderConfigError(self.provider, None, "invalid settings: " + "; ".join(self.problems))
