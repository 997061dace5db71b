"""The real-world homes several US providers list at once: one deterministic pool per market.

Enclosure, Koto and ActuallyCare are US sources that carry MLS numbers, and one home is often on more
than one of them. A US listing is either a home of its own (drawn from its world's RNG, as every
listing always was) or one of this pool's homes. Which is decided by the listing's index alone, with
no state and no scan: index ``4k + r`` of a provider whose residue is ``r`` (``PROVIDER_RESIDUES``) is
a candidate for home ``k``, and the home's own hash says which two or three of the providers list it;
the candidate is that home where its provider is one of them. So about 19% of each provider's
listings (a quarter of the indexes, three times in four) are pool homes, home ``k`` appears at index
``4k + r`` of each of its providers, and a listing created on a later day on one provider may be a
home another has listed for months, as on real portals. The pool depends on the sandbox's seed only:
the same seed gives the same homes in every process.

Homes come in blocks of three (``k // 3``): the near misses a matcher must not join.
- A condominium block is one building: one street address and coordinates, a unit each, and the
  first two units with the same floor plan (area and bedrooms): only the unit tells them apart.
- A house block is three houses next door to each other: numbers n, n+2 and n+4 on one street, about
  25 m apart, the first two with the same bedrooms and areas within 5%.

How each provider shows a pool home (its units, address style, id) is its module's, as its document
prescribes; what differs between portals by chance is drawn here, from the listing's own RNG:
whether it carries the home's MLS number (``listed_mls_number``) and a few metres of geocoding
(``jittered``). ``match_quality`` scores a matcher's properties against the truth's homes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from .locales import STREETS, USA, Place
from .world import mix64, stable_key

SHARE_MODULUS = 4  # one index in four is a candidate for a pool home
PROVIDER_RESIDUES = {"enclosure": 0, "koto": 1, "actuallycare": 2}
# which providers list a home: each pair, or all three, equally often
PROVIDER_SETS = (
    frozenset({"enclosure", "koto"}),
    frozenset({"enclosure", "actuallycare"}),
    frozenset({"koto", "actuallycare"}),
    frozenset({"enclosure", "koto", "actuallycare"}),
)
BLOCK = 3  # homes per building or per row of houses
HOUSE_SPACING_DEGREES = 0.00023  # about 25 m of latitude between next-door houses
# MLS numbers of pool homes: "ML" and eight digits, as ActuallyCare's example (actuallycare.txt:49), from
# 60000000 up: apart from every number a provider gives a listing of its own
POOL_MLS_BASE, POOL_MLS_SPAN = 60_000_000, 40_000_000
MLS_STEP = 7919  # prime, so coprime with every span used: (k * step + offset) % span is one-to-one
# how often a portal's listing of a pool home shows no MLS number, or one of its own (the home also
# listed through another MLS, or re-entered): the rest carry the home's number
MLS_OMITTED, MLS_OWN = 0.07, 0.07


@dataclass(frozen=True)
class Home:
    """One real-world home, as a portal's listing would describe it before its own formatting."""

    home_id: str  # the truth's identity of the home (truth.py's home_id)
    place: Place
    zip_code: str
    street_number: int
    street: str  # abbreviated as USPS writes it: "Oak Ave" (locales.STREETS["us"])
    unit: str | None  # condominiums only: "4B"
    kind: str  # single_family, condominium or townhouse
    square_feet: int
    bedrooms: int
    bathrooms: float
    year_built: int
    price: int  # USD, the asking price every portal starts from
    latitude: float
    longitude: float
    mls_number: str

    @property
    def is_condominium(self) -> bool:
        return self.kind == "condominium"


class HomePool:
    """The US homes shared by the providers of ``PROVIDER_RESIDUES``, for one sandbox seed."""

    def __init__(self, seed: int) -> None:
        self.key = stable_key(seed, "shared homes", "us")
        self.home = lru_cache(maxsize=4096)(self._home)

    def home_number(self, provider: str, idx: int) -> int | None:
        """The pool home that listing ``idx`` of ``provider`` is, or None for a home of its own."""
        residue = PROVIDER_RESIDUES.get(provider)
        if residue is None or idx % SHARE_MODULUS != residue:
            return None
        number = idx // SHARE_MODULUS
        return number if provider in self.providers_of(number) else None

    def providers_of(self, number: int) -> frozenset[str]:
        return PROVIDER_SETS[mix64(self.key ^ mix64(number * 0x10 + 1)) % len(PROVIDER_SETS)]

    def _home(self, number: int) -> Home:
        block, position = divmod(number, BLOCK)
        site = random.Random(mix64(self.key ^ mix64(block * 0x10 + 2)))  # the building or the row
        place = site.choice(USA)
        zip_code = site.choice(place.postal_codes)
        street = site.choice(STREETS["us"])
        first_number = site.randrange(100, 9990, 2)
        latitude = place.latitude + site.uniform(-0.04, 0.04)
        longitude = place.longitude + site.uniform(-0.04, 0.04)
        is_building = site.random() < 0.35
        plan = (site.randrange(700, 3800, 10), site.choice((1, 2, 2, 3, 3, 3, 4, 4, 5)))
        own = random.Random(mix64(self.key ^ mix64(number * 0x10 + 3)))  # this home
        if is_building:  # units: the first two share the floor plan
            square_feet, bedrooms = plan if position < 2 else (own.randrange(600, 2200, 10), own.choice((1, 2, 3)))
            floor = own.randrange(1, 30)
            unit, kind, street_number = f"{floor}{'ABCD'[position]}", "condominium", first_number
        else:  # next-door houses: the first two alike
            square_feet = plan[0] if position == 0 else round(plan[0] * own.uniform(0.96, 1.04), -1)
            bedrooms = plan[1] if position < 2 else own.choice((2, 3, 4, 5))
            unit, street_number = None, first_number + 2 * position
            kind = "townhouse" if site.random() < 0.2 else "single_family"
            latitude += position * HOUSE_SPACING_DEGREES
        return Home(
            home_id=f"us-home-{number}",
            place=place,
            zip_code=zip_code,
            street_number=street_number,
            street=street,
            unit=unit,
            kind=kind,
            square_feet=int(max(square_feet, 600)),
            bedrooms=bedrooms,
            bathrooms=own.choice((1.0, 1.5, 2.0, 2.0, 2.5, 3.0)),
            year_built=site.randrange(1920, 2025),
            price=int(round(max(square_feet, 600) * own.uniform(160, 420), -3)),
            latitude=round(latitude, 6),
            longitude=round(longitude, 6),
            mls_number=f"ML{POOL_MLS_BASE + (number * MLS_STEP + self.key % POOL_MLS_SPAN) % POOL_MLS_SPAN}",
        )


def listed_mls_number(rng: random.Random, home: Home, own_number: str) -> str | None:
    """The MLS number a portal's listing of ``home`` carries: mostly the home's; now and then none
    (the portal left it out) or ``own_number`` (the listing came through another MLS)."""
    draw = rng.random()
    if draw < MLS_OMITTED:
        return None
    return own_number if draw < MLS_OMITTED + MLS_OWN else home.mls_number


def jittered(rng: random.Random, home: Home, metres: float = 12.0) -> tuple[float, float]:
    """The home's coordinates as one portal geocoded them: within about ``metres`` of each other."""
    spread = metres / 111_000
    return (
        round(home.latitude + rng.uniform(-spread, spread), 6),
        round(home.longitude + rng.uniform(-spread, spread), 6),
    )


def remeasured(rng: random.Random, square_feet: int, step: int) -> int:
    """The living area as another portal states it: within 2% of the home's, rounded to ``step``."""
    return int(max(step, round(square_feet * rng.uniform(0.98, 1.02) / step) * step))


def unique_number(idx: int, key: int, base: int, span: int) -> int:
    """A number in [base, base + span) that no other index below ``span`` gets in the same world:
    the MLS numbers of a provider's own listings, which must not collide by chance."""
    return base + (idx * MLS_STEP + key % span) % span


@dataclass(frozen=True)
class MatchQuality:
    """Pairwise precision and recall of a matcher's grouping of listings against the truth's homes."""

    listings: int  # listings scored: those both the truth and the matcher know
    true_pairs: int  # pairs of listings of one home
    matched_pairs: int  # pairs the matcher put in one property
    correct_pairs: int  # pairs both

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.matched_pairs if self.matched_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.4f} ({self.correct_pairs} of {self.matched_pairs} matched pairs), "
            f"recall {self.recall:.4f} ({self.correct_pairs} of {self.true_pairs} true pairs), "
            f"over {self.listings} listings"
        )


def match_quality(homes: Mapping[Hashable, str], properties: Mapping[Hashable, str]) -> MatchQuality:
    """Score ``properties`` (listing -> the matcher's property) against ``homes`` (listing -> the
    truth's ``home_id``) over the listings both know, pair by pair: a pair of listings is matched
    when the matcher gives both one property, true when the truth gives both one home."""
    listings = homes.keys() & properties.keys()

    def pairs(groups: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in groups.values())

    return MatchQuality(
        listings=len(listings),
        true_pairs=pairs(Counter(homes[key] for key in listings)),
        matched_pairs=pairs(Counter(properties[key] for key in listings)),
        correct_pairs=pairs(Counter((homes[key], properties[key]) for key in listings)),
    )
