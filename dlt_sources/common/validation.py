"""Field checks a record must pass to be stored as a listing version; one that fails is quarantined.

Each source names the fields the pipeline relies on (its price, its update time) and the check each
must pass. The checks accept what the staging models can read: a number may arrive as a numeric
string (a type change, not damage); a missing price is allowed (price on request). A value no reader
could use, such as "call for price" or "not-a-date", is damage: the record goes to the quarantine
table whole, with the field and the reason, and the listing keeps its last good version until a
later scan brings a sound one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

FieldCheck = Callable[[Any], None]  # raises ValueError naming what is wrong
LARGEST_AMOUNT = 10**16  # decimal(18, 2), the staging models' price type


def number_or_null(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    if not math.isfinite(number) or abs(number) >= LARGEST_AMOUNT:  # staging reads decimal(18, 2)
        raise ValueError(f"not a usable number: {value!r}")


def timestamp_or_null(value: Any) -> None:
    if value is not None:
        timestamp(value)


def timestamp(value: Any) -> None:
    """An ISO 8601 date and time (``2026-11-23T10:00:00Z`` or ``2026-11-23 10:00:00``)."""
    _parse_timestamp(value)


def timestamp_with_offset(value: Any) -> None:
    """An ISO 8601 date and time with its UTC offset: what a cursor compares with others."""
    if _parse_timestamp(value).tzinfo is None:
        raise ValueError(f"not a timestamp with a UTC offset: {value!r}")


def _parse_timestamp(value: Any) -> datetime:
    # a date and a time, as the staging models cast them (fromisoformat also takes bare dates)
    if not isinstance(value, str) or len(value) < len("2026-11-23T10:00"):
        raise ValueError(f"not a timestamp: {value!r}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a timestamp: {value!r}") from None


def field_value(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``price.value``); None where any step is missing."""
    value: Any = record
    for name in path.split("."):
        # a parsed body holds plain dicts: their type check is far cheaper than the ABC's
        value = value.get(name) if type(value) is dict or isinstance(value, Mapping) else None
    return value


def record_id(record: Any, id_field: str) -> str | None:
    """The record's id as text, or None when it has none usable (missing, empty, not a scalar)."""
    value = record.get(id_field) if type(record) is dict or isinstance(record, Mapping) else None
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
