"""The field checks that decide whether a record is stored or quarantined: they accept what the
staging models can read, and nothing that those would silently turn into null."""

import pytest

from dlt_sources.common.validation import number_or_null, timestamp, timestamp_with_offset


@pytest.mark.parametrize("value", [None, 350000, 1.5, "350000", " 1250.50 ", 0])
def test_a_price_may_be_a_number_a_numeric_string_or_missing(value: object) -> None:
    number_or_null(value)


@pytest.mark.parametrize("value", ["call for price", "NaN", "inf", "1e400", 10**17, True, {"value": 1}, ""])
def test_a_price_no_reader_could_use_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="not a"):
        number_or_null(value)


@pytest.mark.parametrize("value", ["2026-11-23T10:00:00Z", "2026-11-23 10:00:00", "2026-11-23T10:00:00+02:00"])
def test_an_iso_date_and_time_is_a_timestamp(value: str) -> None:
    timestamp(value)


@pytest.mark.parametrize("value", ["not-a-date", "20261123", "2026-11-23", "2026-W47-1", None, 1795400000])
def test_anything_else_is_not(value: object) -> None:
    with pytest.raises(ValueError, match="not a timestamp"):
        timestamp(value)


def test_a_cursor_timestamp_needs_its_offset() -> None:
    timestamp_with_offset("2026-11-23T10:00:00Z")
    with pytest.raises(ValueError, match="UTC offset"):
        timestamp_with_offset("2026-11-23 10:00:00")
