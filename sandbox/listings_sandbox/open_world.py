"""The open world: values no provider document lists, sent now and then, as real APIs do.

Vocabularies grow after a document is written: a new property type, a new status. With
``SandboxConfig.open_world`` on (the default) every host sends, in its own field and style, a few
such values: each provider module declares them (its ``SANDBOX.open_world``, served field -> values,
with the document lines that leave them out), and ``listings_sandbox.OPEN_WORLD_VALUES`` gathers them
by host. Each field group (the property type, the status) touches one listing in every block of 100
consecutive listings (about 1% each), chosen by a seeded hash: a run repeats, and even a world of 100
listings has some.

- A property value replaces the listing's property type for good (it is a static attribute). Where a
  provider's property type takes two fields (a type and its subtype), both fields' values come from
  one choice, as a new catalogue entry would.
- A status value stands in for ``active`` while the listing is active: the listing is served and
  listed like any active one (``is_listed`` true in the truth). An unknown status is never a removal.
  Once the listing leaves ``active`` it shows its documented status again.
The truth reports the raw served values: ``property_type`` always, ``status`` when it is unknown.
"""

from __future__ import annotations

from typing import Any

from .world import mix64, stable_key

STATUS_FIELDS = frozenset({"status", "step"})  # the other fields are property types
BLOCK = 100  # one listing per block of this many, per field group
_GROUP_SALTS = {"property": 0x51, "status": 0x57}


class OpenWorld:
    """Which listings of one world carry an open-world value, and which one."""

    def __init__(self, host: str, key: int, values: dict[str, tuple[Any, ...]], enabled: bool = True) -> None:
        """``values``: served field -> values no document lists (the module's ``SANDBOX.open_world``)."""
        self.key = key ^ stable_key("open world", host)  # hosts sharing a key still pick differently
        self.values = dict(values) if enabled else {}
        self.status_field = next((name for name in values if name in STATUS_FIELDS), None)

    def _choice(self, idx: int, group: str) -> int | None:
        """The position in the group's values of the listing's value, or None for most listings."""
        block_hash = mix64(self.key ^ mix64((idx // BLOCK) * 0x100 + _GROUP_SALTS[group]))
        if idx % BLOCK != block_hash % BLOCK:
            return None
        return mix64(block_hash ^ idx)

    def value(self, idx: int, field: str) -> Any | None:
        """The listing's undocumented value for a property field, or None."""
        values = self.values.get(field)
        if not values:
            return None
        choice = self._choice(idx, "status" if field in STATUS_FIELDS else "property")
        # fields of one group share the choice: an unknown type comes with its unknown subtype
        return None if choice is None else values[choice % len(values)]

    def status(self, idx: int, status: str) -> Any | None:
        """The undocumented status the listing shows instead of ``active``, or None."""
        if status != "active" or self.status_field is None:
            return None
        return self.value(idx, self.status_field)
