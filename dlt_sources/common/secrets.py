"""Redact secrets by value from every log record of the process, and from raw payloads.

Name-based redaction misses too much: dlt's ``sanitize_url`` knows a fixed list of query parameter
names, its REST client logs headers and params unredacted at DEBUG, and a config error once printed
a token (dlt#1474, #2856). So every configured secret value is registered here, and a log record
factory rewrites each record's message before any handler (dlt's, urllib3's, Dagster's) sees it.
Payloads go through ``redact`` too before they are hashed and stored: an API may echo the key in
a link (a signed photo URL, a ``self`` link), URL-encoded or JSON-escaped, so each secret is also
looked for in those spellings. A scan asks once per page whether any spelling is in the page's
canonical texts (``found_in``) and redacts record by record only when one is: most pages hold none.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words and numbers


def spellings(secret: str) -> set[str]:
    """The secret as text, JSON-escaped and URL-encoded."""
    return {secret, json.dumps(secret, ensure_ascii=False)[1:-1], quote(secret, safe=""), quote_plus(secret)}


class SecretRedactor:
    def __init__(self) -> None:
        self._secrets: tuple[str, ...] = ()  # every spelling, longest first: no partial leftovers
        self._encoded: tuple[bytes, ...] = ()  # the same in UTF-8, for ``found_in``
        self._lock = threading.Lock()
        self._installed = False

    def register(self, values: Iterable[str | None]) -> None:
        """Remember secret values and make sure every later log record is redacted."""
        with self._lock:
            known = set(self._secrets)
            for value in values:
                if value and len(value) >= _MIN_SECRET_LENGTH:
                    known |= spellings(value)
            self._secrets = tuple(sorted(known, key=len, reverse=True))
            self._encoded = tuple(secret.encode() for secret in self._secrets)
            if not self._installed:
                self._install()

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def found_in(self, text: bytes) -> bool:
        """Whether ``redact`` would change ``text`` (UTF-8)."""
        return any(secret in text for secret in self._encoded)

    def _install(self) -> None:
        make_record = logging.getLogRecordFactory()

        def redacting_record(*args, **kwargs) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            if self._secrets:
                message = record.getMessage()
                redacted = self.redact(message)
                if redacted != message:
                    record.msg, record.args = redacted, None
            return record

        logging.setLogRecordFactory(redacting_record)
        self._installed = True


REDACTOR = SecretRedactor()


def register_secrets(*values: str | None) -> None:
    """Sources call this with their credentials before making any request."""
    REDACTOR.register(values)


def found_in(text: bytes) -> bool:
    """Whether any registered secret, in any of its spellings, is in ``text`` (UTF-8)."""
    return REDACTOR.found_in(text)


def redact(text: str) -> str:
    """``text`` with every registered secret, in any of its spellings, replaced by the mask."""
    return REDACTOR.redact(text)
