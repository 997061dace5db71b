"""Enclosure and Koto sandbox: one API on two hosts, ``/v1/listings`` with ``key`` in the query.

Document: ``provider_docs/enclosure_koto.txt``. Each host is its own world of US listings. Where the
document is silent the sandbox chooses:
- ``sort_by`` takes ``field``, ``field asc`` or ``field desc`` (also ``field:asc``); several values
  sort by each in turn; ties keep creation order (which ``created_min`` paging relies on);
- only ``active`` and ``pending`` listings are served (the document's two statuses): sold or
  withdrawn listings disappear;
- predefined territories are groups of states: ``ter_west`` (CA, OR, AZ, CO, ID) and ``ter_south``
  (TX, TN, FL, NC); an unknown territory answers 400;
- every 400, 403 and 404 body is ``{"error": "..."}`` (:10-16 give only the statuses); the deprecated
  ``name[]`` parameter spellings are still accepted, as the changelog promises (:206-208); no quota
  is documented, so none is enforced;
- a search needs one of the constraints of :31-37: latitude/longitude/radius, territory, zip_codes or
  mls_numbers (the changelog's :196-199), not only the first two (:204); ``states`` and the other
  filters are not constraints; values that do not parse as their type (:38-63) answer 400;
- ``sort_by`` on a field a listing lacks (land has no bedrooms, bathrooms, living area or year
  built) puts that listing first ascending, last descending;
- ``radius`` is in miles (:60), measured with the haversine formula;
- land (``lots_land``) has null ``year_built``, ``living_area``, ``bedrooms`` and bath counts, and
  is never for rent; ``unit_number`` is set on condominiums only; ``bathrooms_three_quarter`` and
  ``bathrooms_quarter`` are null rather than 0 (as the example's, :161, :163), ``bathrooms_half``
  may be 0; ``bathrooms`` is full + 3/4 + 1/2 + 1/4 of those counts;
- ``url``, ``photo_template`` and ``photo_url`` point at the sandbox host, which does not serve them;
  ``photo_url`` is the first photo at ``size=large`` (:123), null when ``photo_count`` is 0;
- ``open_houses`` is sent only when the listing has one ("when available", :202): a weekly hour
  from 20:00 UTC on the listing's own weekday (as the example's, :179-180), the next one only;
- ``created_min`` follows ``YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]`` (enclosure_koto.txt:227) to the
  letter by default (the ``strict_times`` option, ``Options`` below): an offset or ``Z`` is required,
  and anything else (an unencoded ``+``, which a query string turns into a space; ``+0200``; fractions
  of a second; a space for the ``T``) answers 400. See ``parse_iso``;
- open world (``SandboxConfig.open_world``): about 1% of listings send a ``property_type`` outside
  the 31 of :218 (``tiny_home`` or ``co_op``, built as single-family homes), and about 1%, while
  active, a ``status`` other than the two of :73 (``coming_soon`` or ``under_contract``): served
  (listed) like active listings. The ``property_types`` filter refuses those words (400).
Homes on several portals (homes.py): about 19% of each host's listings are homes of the shared US
pool, which ActuallyCare and the other host list too. Each host shows a pool home as its document
prescribes and as its agents happen to type it, the document fixing no style beyond its example:
- Enclosure writes the street as the example does, suffix abbreviated ("20 W 34th St", :148) and the
  unit as the example's bare "2012B" (:149); its living area is the home's, in whole square feet (:84);
- Koto writes the suffix in full ("Oak Avenue") and, on a third of its listings, the street in
  capitals, with the unit as "#4B"; it states the living area remeasured, within 2% and to 10 sq ft;
- both geocode the home within about 12 m (:86-87), and carry its MLS number (:72) but now and then
  none (null: the document shows no null, a portal that omits the number sends none) or one of their
  own (the home listed through another MLS).
A listing's own MLS number is "<state><board>-<7 digits>" after the example "NYRS-98765" (:142), the
boards per host (Enclosure RS or ML, Koto MX or KT) and the digits one-to-one with the listing, so
two listings never share a number by chance. A fifth of new listings are re-listings (world.py's
``relist_percent``): a removed or withdrawn listing back under a new id (:21), half of them with a
new MLS number of their own.
There is no page parameter and no total: a client pages by ``created_min`` on ``created_at asc``
(inclusive, :63), and must split a query (by ZIP code, say) where more than a page of listings share
one creation second, since the limit is at most 50 (:42). The ``same_second_burst`` option creates
that many listings in one second (noon, day 1) on the host; default 0. Options are per host: each
host is its own server.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import ids
from ..formats import iso_utc
from ..homes import Home, HomePool, jittered, listed_mls_number, remeasured, unique_number
from ..locales import STREETS, USA, english_description, jitter, revised, us_street_in_full
from ..open_world import OpenWorld
from ..provider_module import HostContext, ProviderModule, option
from ..server import ProviderApp, Request, Response, route
from ..world import DAY_SECONDS, ListingState, World, stable_key

MAX_LIMIT, DEFAULT_LIMIT = 50, 25  # "between 1 and 50 inclusive and defaults to 25" (enclosure_koto.txt:42)
SORT_FIELDS = ("created_at", "updated_at", "price", "living_area", "year_built", "bedrooms", "bathrooms")  # :41
PROPERTY_TYPES = (  # footnote 2 of the document (enclosure_koto.txt:216-218)
    "acreage",
    "apartment",
    "cattle_ranch",
    "commercial",
    "community",
    "condominium",
    "duplex",
    "farm",
    "fishing_land",
    "foreclosure",
    "garage",
    "home_with_acreage",
    "house",
    "hunting_land",
    "lots_land",
    "mobile_manufactured",
    "mountain_land",
    "multifamily",
    "new_construction",
    "ranch",
    "ranch_horse",
    "recreational_land",
    "residential",
    "retail",
    "senior_community",
    "single_family",
    "timberland",
    "townhouse",
    "unspecified",
    "vacation_home",
    "waterfront",
)
COMMON_TYPES = (
    ("single_family", 40),
    ("condominium", 15),
    ("townhouse", 10),
    ("residential", 8),
    ("multifamily", 6),
    ("lots_land", 6),
    ("house", 5),
    ("duplex", 3),
    ("mobile_manufactured", 3),
    ("home_with_acreage", 2),
    ("commercial", 2),
)
# "predefined territories" (enclosure_koto.txt:62): groups of states
US_TERRITORIES = {"ter_west": ("CA", "OR", "AZ", "CO", "ID"), "ter_south": ("TX", "TN", "FL", "NC")}
# enclosure_koto.txt:218 lists 31 property types, :73 two statuses
OPEN_WORLD = {"property_type": ("tiny_home", "co_op"), "status": ("coming_soon", "under_contract")}
AGENTS = ("Dana Whitfield", "Marcus Reyes", "Priya Natarajan", "Tom Becker", "Alicia Moreno", "Sam O'Neill")
BROKERS = ("Summit Realty", "Blue Door Homes", "Keystone Brokers", "Harbor & Pine Real Estate")
# the MLS boards of a host's own listing numbers, after the example's "NYRS-98765" (enclosure_koto.txt:142)
MLS_BOARDS = {"enclosure": ("RS", "ML"), "koto": ("MX", "KT")}
OWN_MLS_BASE, OWN_MLS_SPAN = 1_000_000, 9_000_000  # seven digits, one-to-one with the listing index
RELIST_PERCENT = 20  # of new listings: a removed or withdrawn home back under a new id


class EnclosureKotoGenerator:
    property_field = "property_type"

    def __init__(self, key: int, brand: str, open_world: bool = True, homes: HomePool | None = None) -> None:
        self.key, self.brand, self.homes = key, brand, homes
        self.open_world = OpenWorld(brand, key, OPEN_WORLD, open_world)

    def own_mls_number(self, idx: int, state: str) -> str:
        """A listing's own MLS number, which no other listing of any host shares."""
        board = MLS_BOARDS.get(self.brand, ("RS", "ML"))[idx % 2]
        return f"{state}{board}-{unique_number(idx, self.key, OWN_MLS_BASE, OWN_MLS_SPAN)}"

    def home_id(self, idx: int) -> str | None:
        number = self.homes.home_number(self.brand, idx) if self.homes else None
        return None if number is None else self.homes.home(number).home_id  # type: ignore[union-attr]

    def relisted(self, static: dict[str, Any], rng: random.Random, idx: int) -> dict[str, Any]:
        """A re-listing: the same home and texts; half the time a new MLS number of its own."""
        if rng.random() < 0.5:
            static = {**static, "mls_number": self.own_mls_number(idx, static["state"])}
        return static

    def listing_id(self, idx: int) -> str:
        return ids.to_base62(idx, self.key, "li_")

    def listing_idx(self, listing_id: str) -> int | None:
        return ids.from_base62(listing_id, self.key, "li_")

    def static(self, rng: random.Random, idx: int) -> dict[str, Any]:
        place = rng.choice(USA)
        kinds, weights = zip(*COMMON_TYPES, strict=True)
        drawn = rng.choices(kinds, weights)[0]  # drawn in any case: the RNG stays in step
        unlisted = self.open_world.value(idx, "property_type")
        property_type = "single_family" if unlisted else drawn  # an unlisted type is built as a house
        is_land = property_type == "lots_land"
        for_rent = not is_land and rng.random() < 0.15
        living_area = None if is_land else rng.randrange(600, 4800, 10)
        baths = (
            (0, 0, 0, 0)
            if is_land
            else (rng.randrange(1, 4), rng.choice((0, 0, 1)), rng.choice((0, 1, 1)), rng.choice((0, 0, 0, 1)))
        )
        if for_rent:
            price = round(living_area * rng.uniform(1.1, 2.8), -1)  # type: ignore[operator]
        elif is_land:
            price = rng.randrange(25, 350) * 1000
        else:
            price = round(living_area * rng.uniform(150, 450), -3)  # type: ignore[operator]
        latitude, longitude = jitter(rng, place, 0.08)
        agent, broker = rng.choice(AGENTS), rng.choice(BROKERS)
        agent_slug, broker_slug = agent.lower().replace(" ", ".").replace("'", ""), broker.split()[0].lower()
        static = {
            "listing_type": "rent" if for_rent else "sale",
            "currency": "USD",
            "base_price": int(price),
            # "NYRS-98765" (enclosure_koto.txt:142)
            "mls_number": f"{place.state}{rng.choice(('RS', 'ML', 'MX'))}-{rng.randrange(10_000, 99_999)}",
            "property_type": unlisted or property_type,
            "description": english_description(rng, property_type.replace("_", " ").title(), place.city),
            "year_built": None if is_land else rng.randrange(1905, 2025),
            "street_address": f"{rng.randrange(10, 9999)} {rng.choice(STREETS['us'])}",
            "unit_number": f"{rng.randrange(1, 40)}{rng.choice('ABCD')}" if property_type == "condominium" else None,
            "city": place.city,
            "state": place.state,
            "zip_code": rng.choice(place.postal_codes),
            # acres (enclosure_koto.txt:83)
            "lot_size": round(rng.uniform(0.25, 60), 2) if is_land else round(rng.uniform(0.04, 1.2), 2),
            "living_area": living_area,  # square feet (enclosure_koto.txt:84)
            "latitude": latitude,
            "longitude": longitude,
            # floats (enclosure_koto.txt:88-89), the bath counts integers (:90-93)
            "bedrooms": None if is_land else float(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))),
            "bathrooms_full": None if is_land else baths[0],
            "bathrooms_three_quarter": None if is_land else (baths[1] or None),
            "bathrooms_half": None if is_land else baths[2],
            "bathrooms_quarter": None if is_land else (baths[3] or None),
            "bathrooms": None if is_land else baths[0] + 0.75 * baths[1] + 0.5 * baths[2] + 0.25 * baths[3],
            "photo_count": rng.randrange(0, 30),
            "agent": {  # enclosure_koto.txt:97-105, :164-174
                "name": agent,
                "email": f"{agent_slug}@{broker_slug}.example",
                "phone": f"555{rng.randrange(1_000_000, 9_999_999)}",
            },
            "broker": {
                "name": broker,
                "email": f"office@{broker_slug}.example",
                "phone": f"555{rng.randrange(1_000_000, 9_999_999)}",
                "logo_url": f"https://{self.brand}.sandbox/brokers/{broker_slug}.png",
            },
            "open_house_slot": rng.choice((None, None, None, 1, 2, 3)),  # weekday of a weekly open house
        }
        static["mls_number"] = self.own_mls_number(idx, place.state)  # drawn above only to keep the RNG in step
        number = self.homes.home_number(self.brand, idx) if self.homes else None
        if number is not None:
            static.update(self.pool_home(rng, self.homes.home(number), static["mls_number"], unlisted))  # type: ignore[union-attr]
        return static

    def pool_home(self, rng: random.Random, home: Home, own_number: str, unlisted: str | None) -> dict[str, Any]:
        """The attributes of a shared pool home as this host shows it (see the module docstring)."""
        is_koto = self.brand == "koto"
        street = us_street_in_full(home.street) if is_koto else home.street
        street_address = f"{home.street_number} {street}"
        if is_koto and rng.random() < 1 / 3:
            street_address = street_address.upper()
        unit = None if home.unit is None else (f"#{home.unit}" if is_koto else home.unit)
        latitude, longitude = jittered(rng, home)
        return {
            "listing_type": "sale",
            "base_price": home.price,
            "mls_number": listed_mls_number(rng, home, own_number),
            "property_type": unlisted or home.kind,
            "year_built": home.year_built,
            "street_address": street_address,
            "unit_number": unit,
            "city": home.place.city,
            "state": home.place.state,
            "zip_code": home.zip_code,
            "living_area": remeasured(rng, home.square_feet, 10) if is_koto else home.square_feet,
            "latitude": latitude,
            "longitude": longitude,
            "bedrooms": float(home.bedrooms),
        }


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


def _haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 3958.8 * 2 * math.asin(math.sqrt(a))


class EnclosureKotoApp(ProviderApp):
    base_path = "/v1"  # api.enclosurehomes.com/v1 or api.kotohomes.com/v1 (enclosure_koto.txt:17-19, :132-134)
    record_fields = {
        "id": ("id",),
        "price": ("price",),
        "updated_at": ("updated_at",),
        "property_type": ("property_type",),
        "status": ("status",),
    }
    # A full scan pages `sort_by=created_at` ascending (enclosure_koto.txt:41, :63): the listing a client
    # meets first, which the `shift_remove` fault takes, is the oldest (the newest would be one it never read)
    newest_first = False

    def __init__(self, name: str, world: World, key: str, strict_times: bool = True, **kwargs: Any) -> None:
        super().__init__({world.account_id: world}, **kwargs)
        self.name, self.world, self.key, self.strict_times = name, world, key, strict_times

    def routes(self) -> list:
        return [
            route("GET", "/v1/listings", self.search, is_list=True),  # enclosure_koto.txt:132
            route("GET", "/v1/listings/{listing_id}", self.get_listing),  # :17
        ]

    def credentials(self) -> dict[str, Any]:
        return {"key": self.key, "account_id": self.world.account_id, "territories": sorted(US_TERRITORIES)}

    def authenticate(self, request: Request) -> str:
        # the key in the query string; missing or invalid: 403 (enclosure_koto.txt:2-3, :14, :129)
        if request.arg("key") != self.key:
            raise self.error(403, "key is invalid")
        return self.key

    def presented_credential(self, request: Request) -> str:
        return self.key

    def records(self, payload: Any) -> list[dict[str, Any]]:
        return payload["data"]  # enclosure_koto.txt:64-65

    def served_record(self, world: World, state: ListingState) -> dict[str, Any]:
        return self.render(state)

    def render(self, state: ListingState) -> dict[str, Any]:
        static = self.world.static(state.idx)
        listing_id = self.world.generator.listing_id(state.idx)
        site = f"https://{self.name}.sandbox"
        slot = static["open_house_slot"]
        # a weekly open house on the listing's own weekday at 20:00 UTC: the next one moves once a week
        today = self.world.now // DAY_SECONDS
        start = (today + (slot - today) % 7) * DAY_SECONDS + 20 * 3600 if slot else None
        fixed = (
            "mls_number",
            "property_type",
            "year_built",
            "street_address",
            "unit_number",
            "city",
            "state",
            "zip_code",
            "lot_size",
            "living_area",
            "bedrooms",
            "bathrooms",
            "bathrooms_full",
            "bathrooms_three_quarter",
            "bathrooms_half",
            "bathrooms_quarter",
            "photo_count",
            "agent",
            "broker",
        )
        record = {
            "id": listing_id,  # "li_2hAk61Qi6hFGw6nfrRmG" (enclosure_koto.txt:21, :138)
            "created_at": iso_utc(state.created_at),  # UTC, "2021-04-25T17:35:23Z" (enclosure_koto.txt:69-70, :139)
            "updated_at": iso_utc(state.updated_at),
            "type": "for_rent" if static["listing_type"] == "rent" else "for_sale",  # enclosure_koto.txt:44, :71
            # active or pending (enclosure_koto.txt:73)
            "status": self.world.generator.open_world.status(state.idx, state.status) or state.status,
            "description": revised(static["description"], state.revision),
            "price": state.price,  # an integer, USD (enclosure_koto.txt:76)
            "url": f"{site}/homes/{listing_id}",
            "longitude": static["longitude"],
            "latitude": static["latitude"],
            **{name: static[name] for name in fixed},
            # the placeholders {offset} and {size} (enclosure_koto.txt:109-117)
            "photo_template": f"{site}/v1/listings/{listing_id}/photo?offset={{offset}}&size={{size}}",
            "photo_url": (
                f"{site}/v1/listings/{listing_id}/photo?offset=0&size=large" if static["photo_count"] else None
            ),
        }
        if start is not None:
            record["open_houses"] = [{"start": iso_utc(start), "end": iso_utc(start + 3600)}]  # :106-108, :178-181
        return record

    # ---- search ------------------------------------------------------------------------------
    def _params(self, request: Request) -> dict[str, list[str]]:
        """Query parameters with the deprecated ``name[]`` spellings folded into ``name``
        (enclosure_koto.txt:206-208); a list is the parameter repeated (:213-214)."""
        params: dict[str, list[str]] = {}
        for name, values in request.query.items():
            params.setdefault(name.removesuffix("[]"), []).extend(values)
        return params

    def _number(self, params: dict[str, list[str]], name: str, cast: Callable[[str], float]) -> float | None:
        if name not in params:
            return None
        try:
            return cast(params[name][-1])
        except ValueError:
            raise self.error(400, f"{name} must be a number") from None

    def _sort_keys(self, params: dict[str, list[str]]) -> list[tuple[str, bool]]:
        keys = []
        # the default "updated_at desc", and asc unless told (enclosure_koto.txt:41); a list is repeated (:213-214)
        for raw in params.get("sort_by", ["updated_at desc"]):
            field_name, _, direction = raw.replace(":", " ").strip().partition(" ")
            direction = direction.strip().lower() or "asc"
            if field_name not in SORT_FIELDS or direction not in ("asc", "desc"):
                raise self.error(400, f"sort_by {raw!r}: use one of {', '.join(SORT_FIELDS)} with asc or desc")
            keys.append((field_name, direction == "desc"))
        return keys

    def _filter(self, params: dict[str, list[str]]) -> Callable[[ListingState, dict[str, Any]], bool]:
        """Validate the constraints and filters, and return the predicate they make."""
        geo = [self._number(params, name, float) for name in ("latitude", "longitude", "radius")]
        # "all 3 parameters must be provided" (enclosure_koto.txt:220)
        if any(value is not None for value in geo) and not all(value is not None for value in geo):
            raise self.error(400, "latitude, longitude and radius must be given together")
        territory = params.get("territory", [None])[-1]  # "a predefined territory id" (enclosure_koto.txt:62)
        if territory is not None and territory not in US_TERRITORIES:
            raise self.error(400, f"unknown territory {territory!r}")
        zips, mls = set(params.get("zip_codes", [])), set(params.get("mls_numbers", []))
        if geo[0] is None and territory is None and not zips and not mls:  # enclosure_koto.txt:31-37, :196-199
            raise self.error(
                400,
                "at least one constraint is required: latitude/longitude/radius, territory, zip_codes or mls_numbers",
            )
        listing_type = params.get("type", [None])[-1]  # "one of for_sale , for_rent" (enclosure_koto.txt:44)
        if listing_type not in (None, "for_sale", "for_rent"):
            raise self.error(400, "type must be for_sale or for_rent")
        types = set(params.get("property_types", []))  # the valid values of :218
        if types - set(PROPERTY_TYPES):
            raise self.error(400, f"unknown property_types {sorted(types - set(PROPERTY_TYPES))}")
        states = set(params.get("states", []))
        open_only = params.get("open_houses_only", ["false"])[-1]  # true or false (enclosure_koto.txt:61, :222-224)
        if open_only not in ("true", "false"):
            raise self.error(400, "open_houses_only must be true or false")
        ranges = [  # the inclusive _min/_max pairs of enclosure_koto.txt:48-57, with their types
            (name, self._number(params, f"{name}_min", cast), self._number(params, f"{name}_max", cast))
            for name, cast in (
                ("price", int),
                ("living_area", int),
                ("year_built", int),
                ("bedrooms", float),
                ("bathrooms", float),
            )
        ]
        allowed_states = set(US_TERRITORIES[territory]) if territory else None

        def matches(state: ListingState, static: dict[str, Any]) -> bool:
            values = {**static, "price": state.price}
            if allowed_states is not None and static["state"] not in allowed_states:
                return False
            if (zips and static["zip_code"] not in zips) or (mls and static["mls_number"] not in mls):
                return False
            if (states and static["state"] not in states) or (types and static["property_type"] not in types):
                return False
            if listing_type and listing_type != ("for_rent" if static["listing_type"] == "rent" else "for_sale"):
                return False
            if open_only == "true" and not static["open_house_slot"]:
                return False
            if geo[0] is not None:
                distance = _haversine_miles(geo[0], geo[1], static["latitude"], static["longitude"])
                if distance > geo[2]:
                    return False
            for name, low, high in ranges:
                value = values[name]
                if (low is not None or high is not None) and value is None:
                    return False
                if (low is not None and value < low) or (high is not None and value > high):
                    return False
            return True

        return matches

    def search(self, request: Request) -> Response:
        params = self._params(request)
        limit = self._number(params, "limit", int)  # enclosure_koto.txt:42
        limit = DEFAULT_LIMIT if limit is None else int(limit)
        if not 1 <= limit <= MAX_LIMIT:
            raise self.error(400, f"limit must be between 1 and {MAX_LIMIT} inclusive")
        sort_keys, matches = self._sort_keys(params), self._filter(params)
        created_min = None
        if "created_min" in params:  # inclusive (enclosure_koto.txt:63), ISO 8601 as :226-228
            try:
                created_min = parse_iso(params["created_min"][-1], strict=self.strict_times)
            except ValueError:
                raise self.error(400, "created_min must be ISO 8601: YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]") from None
        world = self.world
        with world.lock:
            start = world.first_idx_created_at_or_after(created_min) if created_min is not None else 0
            candidates = ((state, world.static(state.idx)) for state in world.iter_listed(start))
            found: list[tuple[ListingState, dict[str, Any]]] = []
            if sort_keys == [("created_at", False)]:
                # creation order is index order: stop at ``limit``, which keeps keyset paging cheap
                for state, static in candidates:
                    if matches(state, static):
                        found.append((state, static))
                        if len(found) == limit:
                            break
            else:
                found = [(state, static) for state, static in candidates if matches(state, static)]
                for name, descending in reversed(sort_keys):
                    found.sort(key=lambda pair, n=name: _sort_value(pair, n), reverse=descending)
                found = found[:limit]
        return Response(200, {"data": [self.render(state) for state, _ in found]})  # enclosure_koto.txt:64-65

    def get_listing(self, request: Request, listing_id: str) -> Response:
        state = self.world.lookup(listing_id)
        if state is None:
            raise self.error(404, "There is no such listing")  # enclosure_koto.txt:15
        return Response(200, self.render(state))  # unwrapped: "the listing content" (enclosure_koto.txt:8, :20-26)


def _sort_value(pair: tuple[ListingState, dict[str, Any]], name: str) -> float:
    state, static = pair
    value = {"created_at": state.created_at, "updated_at": state.updated_at, "price": state.price}.get(name)
    if value is None:
        value = static.get(name)
    return -math.inf if value is None else value


@dataclass(frozen=True)
class Options:
    # `YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]` (enclosure_koto.txt:227): an offset required, an
    # unencoded `+` refused (True), or the offset optional, naive meaning UTC (False); see parse_iso
    strict_times: bool = option(True, "created_min must carry an offset or Z (enclosure_koto.txt:227)")
    # this many listings created in one second (noon of day 1), more than a page (50, :42) when above it
    same_second_burst: int = option(0, "listings created in one second at noon of day 1")


def build(host: HostContext) -> EnclosureKotoApp:
    options: Options = host.options
    world = host.world(
        "enclosure_koto",
        host.host,
        EnclosureKotoGenerator(
            host.ids_key ^ stable_key(host.host), host.host, host.open_world, homes=HomePool(host.seed)
        ),
        listed=frozenset({"active", "pending"}),
        burst_size=options.same_second_burst,
        relist_percent=RELIST_PERCENT,
    )
    return EnclosureKotoApp(host.host, world, key=host.secret(f"{host.host}_key"), strict_times=options.strict_times)


def dlt_settings(info: Mapping[str, Any]) -> dict[str, str]:
    return {
        "KEY": info["key"],
        "ACCOUNT_ID": info["account_id"],
        "SEARCHES": json.dumps([{"territory": territory} for territory in info["territories"]]),
    }


# One API on two hosts (enclosure_koto.txt:17-19, :132-134), each its own world of US listings.
SANDBOX = ProviderModule(
    sizes={"enclosure": {"enclosure": 250}, "koto": {"koto": 250}},
    build=build,
    dlt_settings=dlt_settings,
    max_page_size=MAX_LIMIT,
    options=Options,
    open_world=OPEN_WORLD,
    volatile_fields=("open_houses",),  # the next open house: it moves on once a week
)
