"""The open world: values no provider document lists, sent now and then, as real APIs do.

Vocabularies grow after a document is written: a new property type, a new status. With
``SandboxConfig.open_world`` on (the default) every host sends, in its own field and style, a few
such values (``OPEN_WORLD_VALUES``, host -> served field -> values). Each field group (the property
type, the status) touches one listing in every block of 100 consecutive listings (about 1% each),
chosen by a seeded hash: a run repeats, and even a world of 100 listings has some.

- A property value replaces the listing's property type for good (it is a static attribute). Apimo's
  unknown ``type`` comes with an unknown ``subtype``, as a new catalogue entry would.
- A status value stands in for ``active`` while the listing is active: the listing is served and
  listed like any active one (``is_listed`` true in the truth). An unknown status is never a removal.
  Once the listing leaves ``active`` it shows its documented status again.
The truth reports the raw served values: ``property_type`` always, ``status`` when it is unknown.
"""

from __future__ import annotations

from typing import Any

from .world import mix64, stable_key

# host -> served field -> values its document does not list
OPEN_WORLD_VALUES: dict[str, dict[str, tuple[Any, ...]]] = {
    # avaroai.txt:108 gives only examples ("e.g. Villa, Apartment, Townhouse"); the sandbox's usual
    # words add House, Land and Commercial, and these two are rarer still
    "avaroai": {"property": ("Penthouse", "Bungalow")},
    # estateprime.txt:150 and :161 list every subcategory and status
    "estateprime": {"subcategory": ("studio", "penthouse"), "status": ("reserved", "under_offer")},
    # apimo.txt:64, :70-71 name a few codes in prose only; these are outside the sandbox's code table
    # (apimo.py's docstring), as a catalogue entry added later would be
    "apimo": {"type": (7, 8), "subtype": (70, 80), "step": (5, 6)},
    # enclosure_koto.txt:218 lists 31 property types, :73 two statuses
    "enclosure": {"property_type": ("tiny_home", "co_op"), "status": ("coming_soon", "under_contract")},
    "koto": {"property_type": ("tiny_home", "co_op"), "status": ("coming_soon", "under_contract")},
    # actuallycare.txt:82 gives property types as examples, :21 and :185 the five statuses
    "actuallycare": {"property_type": ("manufactured", "mobile_home"), "status": ("coming_soon", "contingent")},
}
STATUS_FIELDS = frozenset({"status", "step"})  # the other fields are property types
BLOCK = 100  # one listing per block of this many, per field group
_GROUP_SALTS = {"property": 0x51, "status": 0x57}


class OpenWorld:
    """Which listings of one world carry an open-world value, and which one."""

    def __init__(self, host: str, key: int, enabled: bool = True) -> None:
        self.key = key ^ stable_key("open world", host)  # hosts sharing a key still pick differently
        self.values = OPEN_WORLD_VALUES[host] if enabled else {}
        self.status_field = next((name for name in OPEN_WORLD_VALUES[host] if name in STATUS_FIELDS), None)

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
        # fields of one group share the choice: Apimo's unknown type comes with its unknown subtype
        return None if choice is None else values[choice % len(values)]

    def status(self, idx: int, status: str) -> Any | None:
        """The undocumented status the listing shows instead of ``active``, or None."""
        if status != "active" or self.status_field is None:
            return None
        return self.value(idx, self.status_field)
