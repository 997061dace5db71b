"""Reversible listing ids, so single-listing endpoints find a listing without an id index."""

from __future__ import annotations

import uuid

_MASK64 = (1 << 64) - 1
_ODD = 0x9E3779B97F4A7C15  # any odd multiplier is a bijection modulo 2**64
_ODD_INVERSE = pow(_ODD, -1, 1 << 64)
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def scramble(idx: int, key: int) -> int:
    return ((idx ^ key) * _ODD) & _MASK64


def unscramble(value: int, key: int) -> int:
    return ((value * _ODD_INVERSE) & _MASK64) ^ key


def to_uuid(idx: int, key: int) -> str:
    """A version-4-shaped UUID whose last 64 bits encode idx."""
    low = scramble(idx, key)
    high = (scramble(low, key) & 0xFFFFFFFFFFFF0FFF) | 0x4000  # version nibble 4
    return str(uuid.UUID(int=(high << 64) | (low & 0x3FFFFFFFFFFFFFFF) | (0x2 << 62)))


def from_uuid(value: str, key: int) -> int | None:
    try:
        number = uuid.UUID(value).int
    except (ValueError, AttributeError, TypeError):
        return None
    low_bits = number & 0x3FFFFFFFFFFFFFFF
    # the two variant bits overwrote the top of ``low``; try both possibilities
    for top in range(4):
        candidate = unscramble(low_bits | (top << 62), key)
        if candidate < (1 << 32) and to_uuid(candidate, key) == str(uuid.UUID(int=number)):
            return candidate
    return None


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def to_base62(idx: int, key: int, prefix: str) -> str:
    """``prefix`` + 9 filler characters + 11 characters that encode idx: 20 base-62 characters after the prefix."""
    number = scramble(idx, key)
    return prefix + _base62(scramble(number, key), 11)[-9:] + _base62(number, 11)


def from_base62(value: str, key: int, prefix: str) -> int | None:
    body = value[len(prefix) :] if value.startswith(prefix) else ""
    if len(body) != 20:
        return None
    number = 0
    for char in body[9:]:
        position = _BASE62.find(char)
        if position < 0:
            return None
        number = number * 62 + position
    if number > _MASK64:
        return None
    idx = unscramble(number, key)
    return idx if idx < (1 << 32) and to_base62(idx, key, prefix) == value else None


class UuidListingIds:
    """Listing ids as UUIDs that encode the listing's index, for providers whose ids are UUIDs."""

    def __init__(self, key: int) -> None:
        self.key = key

    def listing_id(self, idx: int) -> str:
        return to_uuid(idx, self.key)

    def listing_idx(self, listing_id: str) -> int | None:
        return from_uuid(listing_id, self.key)
