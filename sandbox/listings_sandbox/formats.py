"""Timestamp spellings the provider documents use."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def iso_utc(ts: int, fraction_digits: int = 0) -> str:
    """``2026-01-15T10:30:00Z``, or with 3 (ms) or 6 (µs) fraction digits."""
    text = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{'0' * fraction_digits}Z" if fraction_digits else f"{text}Z"


def naive_local(ts: int, timezone: str) -> str:
    """``2025-01-10 09:00:00`` in the provider's local time, with no offset (as EstatePrime and Apimo send)."""
    return datetime.fromtimestamp(ts, ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")


def local_date(ts: int, timezone: str = "UTC") -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(timezone)).strftime("%Y-%m-%d")


# enclosure_koto.txt:227, to the letter: the offset (or Z) required
STRICT_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})")


def parse_iso(text: str, strict: bool = True) -> int:
    """Parse ``YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]`` (enclosure_koto.txt:227) to epoch seconds.

    Strict (the default) takes the pattern to the letter and the brackets as a choice: an offset or
    ``Z`` is required, and anything else is refused, as a real server would: a space where the
    offset's ``+`` belongs (what a query string makes of an unencoded ``+``), ``+0200``, ``+02``,
    fractions of a second, a space for the ``T``. Lenient takes the brackets as optional: a time
    without an offset is UTC, a space is read back as ``+``, and whatever ISO 8601 Python reads passes.
    """
    if strict and not STRICT_ISO.fullmatch(text):
        raise ValueError(f"{text!r} is not YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]")
    if not strict:
        text = text.replace(" ", "+") if "T" in text else text
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        if strict:
            raise ValueError(f"{text!r} has no offset")
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())
