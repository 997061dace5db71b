"""JSON read and written with orjson, with the result the standard library's parsers give.

Bodies are parsed, and canonical texts written, once per listing in every scan, unchanged listings
included: with ``json``/``simplejson`` that was most of a rescan's CPU. orjson does both several
times faster, and agrees with the standard library except where measured otherwise, so each of its
results is checked for those cases and the standard library answers them:
- parsing: orjson turns an integer beyond 64 bits into a float (the standard library keeps it
  exact), and refuses what it cannot read exactly (``NaN``, lone surrogates, other encodings); a
  body holding a run of 19 digits, or one orjson refuses, is parsed by the caller's own parser;
- writing: orjson writes a float with a one-digit negative exponent as ``1e-7`` (``json``:
  ``1e-07``) and one in [1e-5, 1e-4) without an exponent (``0.00001``; ``json``: ``1e-05``), writes
  NaN and infinities as ``null``, and writes types ``json`` refuses (UUIDs, enums); a text showing
  one of those float forms, or one that does not read back equal to the payload, is written by
  ``json.dumps``.
So the canonical text, and the payload hash raw stores with each version, stay byte for byte what
``json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` gives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

# what orjson writes natively that json.dumps refuses is handed back to json.dumps (which raises)
_CANONICAL_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
# The two float forms, each where a number ends or starts in a canonical text (a string matching
# them costs a json.dumps, never a wrong text): a one-digit negative exponent (``1e-7``), and
# 1e-5 <= |x| < 1e-4 without one (``0.00001``). Two patterns, each found by its literal first: one
# alternation of both was tried at every byte, 30 us a listing (profiled).
_ONE_DIGIT_NEGATIVE_EXPONENT = re.compile(rb"e-\d(?:[,\]}]|$)")
_NO_EXPONENT_BELOW_1E_4 = re.compile(rb"(?:^|[:,\[])-?0\.0000")
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"0" * 9)
_INTEGER_BEYOND_64_BITS = b"0" * 19  # -2**63 - 1 has 19 digits; a digit run in a string counts too


def loads(body: bytes | str, exact: Callable[[], Any] | None = None) -> Any:
    """``body`` parsed, as ``exact()`` would parse it (default: ``json.loads(body)``), by orjson where
    the two agree. Raises what ``exact`` raises."""
    exact = exact or (lambda: json.loads(body))
    data = body.encode() if isinstance(body, str) else body
    if _INTEGER_BEYOND_64_BITS in data.translate(_DIGITS_AS_ZERO):
        return exact()
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return exact()


def canonical_bytes(payload: Any) -> bytes:
    """The payload's canonical JSON text (sorted keys, no spaces) in UTF-8: ``canonical_json``'s."""
    text = _orjson_canonical(payload)
    return text if text is not None else _json_dumps(payload).encode()


def canonical_json(payload: Any) -> str:
    """``json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``."""
    text = _orjson_canonical(payload)
    return text.decode() if text is not None else _json_dumps(payload)


def _orjson_canonical(payload: Any) -> bytes | None:
    """orjson's canonical text of the payload, or None where it would differ from json's."""
    try:
        text = orjson.dumps(payload, option=_CANONICAL_OPTIONS)
    except TypeError:  # an integer beyond 64 bits, a key not a string, a type orjson leaves to json
        return None
    if (
        (b"e-" in text and _ONE_DIGIT_NEGATIVE_EXPONENT.search(text))
        or (b"0.0000" in text and _NO_EXPONENT_BELOW_1E_4.search(text))
        or orjson.loads(text) != payload  # NaN or infinity written as null, a UUID as a string, a tuple
    ):
        return None
    return text


def _json_dumps(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
