"""Field checks a record must pass to be stored as a listing version; one that fails is quarantined.

Each source names the fields the pipeline relies on (its price, its update time) and the check each
must pass. The checks accept what the staging models can read: a number may arrive as a numeric
string (a type change, not damage); a missing price is allowed (price on request). A value no reader
could use, such as "call for price" or "not-a-date", is damage: the record goes to the quarantine
table whole, with the field and the reason, and the listing keeps its last good version until a
later scan brings a sound one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

FieldCheck = Callable[[Any], None]  # raises ValueError naming what is wrong


def number_or_null(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    try:
        float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


def timestamp_or_null(value: Any) -> None:
    if value is not None:
        timestamp(value)


def timestamp(value: Any) -> None:
    """An ISO 8601 date and time (``2026-11-23T10:00:00Z`` or ``2026-11-23 10:00:00``)."""
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"not a timestamp: {value!r}") from None


def field_value(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``price.value``); None where any step is missing."""
    value: Any = record
    for name in path.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def record_id(record: Any, id_field: str) -> str | None:
    """The record's id as text, or None when it has none usable (missing, empty, not a scalar)."""
    value = record.get(id_field) if isinstance(record, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        return None
    return str(value)


def first_problem(record: Mapping[str, Any], checks: Mapping[str, FieldCheck]) -> tuple[str, str] | None:
    """(field, reason) of the first check the record fails, or None."""
    for path, check in checks.items():
        try:
            check(field_value(record, path))
        except ValueError as error:
            return path, str(error)
    return None
