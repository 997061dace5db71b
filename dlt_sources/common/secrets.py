"""Redact secrets by value from every log record of the process.

Name-based redaction misses too much: dlt's ``sanitize_url`` knows a fixed list of query parameter
names, its REST client logs headers and params unredacted at DEBUG, and a config error once printed
a token (dlt#1474, #2856). So every configured secret value is registered here, and a log record
factory rewrites each record's message before any handler (dlt's, urllib3's, Dagster's) sees it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

MASK = "***"
_MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words and numbers


class SecretRedactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._installed = False

    def register(self, values: Iterable[str | None]) -> None:
        """Remember secret values and make sure every later log record is redacted."""
        with self._lock:
            self._secrets.update(value for value in values if value and len(value) >= _MIN_SECRET_LENGTH)
            if not self._installed:
                self._install()

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):  # longest first: no partial leftovers
            if secret in text:
                text = text.replace(secret, MASK)
        return text

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
