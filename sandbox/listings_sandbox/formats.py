"""Timestamp spellings the provider documents use."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def iso_utc(ts: int, fraction_digits: int = 0) -> str:
    """``2026-01-15T10:30:00Z``, or with 3 (ms) or 6 (µs) fraction digits."""
    text = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{'0' * fraction_digits}Z" if fraction_digits else f"{text}Z"


def naive_local(ts: int, timezone: str) -> str:
    """``2025-01-10 09:00:00`` in the provider's local time, with no offset (as some documents show)."""
    return datetime.fromtimestamp(ts, ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")


def local_date(ts: int, timezone: str = "UTC") -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(timezone)).strftime("%Y-%m-%d")
