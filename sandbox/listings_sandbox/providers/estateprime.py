"""EstatePrime sandbox: ``/api/listings`` for several stores (accounts), each behind its own API key.

Document: ``provider_docs/estateprime.txt``. Greek listings priced in EUR. Endpoints, all GET:
- ``/api/listings`` (:257): 50 listings a page (:301), newest first (id descending). ``page`` and the
  filters travel in a JSON body on the GET request, as documented (:263-274): ``search``,
  ``availability``, ``category``, ``subcategory``, ``status`` and ``date_created``; the query string
  is ignored. Envelope ``{status, page, total_pages, results_per_page, total_results, data}`` of the
  example (:297-303), not the bare "JSON array" of the prose (:292);
- ``/api/listings/{id}`` (:330): ``{"status": 200, "data": listing}`` (:343-345);
- ``/api/listings/sources``, ``/api/listings/tags``, ``/api/listings/custom-fields`` (:405, :437,
  :469): fixed lookup lists in the ``{status, data}`` envelope (:421-423), the same for every store,
  starting with the document's examples (:424-431, :456-463, :487-513); the custom fields cover every
  documented field type (:518-538).
Auth: the store's key in the ``X-Api-Key`` header (the header and a scheme before the key are the
``auth_header`` and ``auth_scheme`` options: the document's Authentication section is not in our
copy). A key sees only its own store's listings.

Where the document is silent the sandbox chooses:
- ids are integers ``store_id * 1_000_000 + n``, n counting the store's listings from 1, so they are
  unique across stores; ``code`` is ``<RES|COM|LND|OTH>-<n, 5 digits>`` and null on ~2% of listings;
- world statuses map as active -> active, pending -> pending, sold -> archived, withdrawn -> inactive;
- ``draft`` (estateprime.txt:161): about 20% of the listings created on simulated days start as
  drafts and are published (``active``, ``status_date`` the publication time, :162) one to three
  days later. The list serves them: the ``status`` filter accepts ``draft`` (:271), so the list holds
  drafts, and a request without a filter is not restricted (:265 calls every filter optional). The
  document does not say so in words, hence the ``drafts_listed`` option (default
  True; False: drafts are neither in the list nor found by id). The truth's ``is_listed`` follows
  it, ``status`` is ``draft``;
- ``deleted`` (:161) is a soft delete (the ``soft_delete`` option, default True): a
  removed listing stays in the list and is found by id, with ``status`` ``deleted`` and
  ``status_date`` (and ``date_updated``) the deletion time (:162), like any status the ``status``
  filter accepts (:271). The truth calls it removed: ``is_listed`` false, ``removed_at`` the deletion
  time, ``status`` the last status before it. A soft delete shifts no page (the ``shift_remove``
  fault deletes a listing but moves nothing). False: the older reading, where a removed listing
  disappears (404, absent from the list);
- open world (``SandboxConfig.open_world``): about 1% of listings send a ``subcategory`` outside
  :150 (``studio`` or ``penthouse``, built as apartments, category ``residential``), and about 1%,
  while active, a ``status`` outside :161 (``reserved`` or ``under_offer``): served and listed like
  active listings; the ``status`` filter refuses those words (400), as it refuses any word outside :271;
- list records are the full listing object, the same as the single-listing ``data`` (the list
  example's ``//Rest of the fields...``, :322, shortens it; its empty ``location``, ``photos`` and
  ``translations``, :316-321, are not copied);
- availability is sale, rent, auction or shortterm (world listing types sale, rent, auction,
  short_term_rent). Short-term prices are per month or per season; rents move in tens, sale and
  auction prices in thousands;
- translations: language_id 1 is English, 2 is Greek; ~80% of listings carry both, ~20% Greek only;
- datetimes are naive Europe/Athens local time; ``status_date`` is when the status last changed;
- ``has_hidden_price`` listings (~8%) still send their price; tag 2 ("Price Reduced") is set while
  the price is below the first asking price; ``price`` is never null (:152 allows it);
- ``price_per_sqm`` is ``price / size`` to the cent, for land (whose ``size`` is null) ``price /
  land_size``; ``floor`` is sent as a float (:155, though the example's is ``2``); fields that do not
  fit the kind of property are null: ``size``, ``levels``, the condition, the heating and the year
  built of land, ``rooms`` and the room counts of anything not residential, ``monthly_maintenance``
  outside flats, lofts and offices, ``zoning``, the ratios, ``max_height``, ``land_slope`` and
  ``access_type`` outside land (:191-194, :214-215);
- ``created_by`` is the first of ``users``; ``is_rented`` is true exactly when ``tenant_contact_id``
  is set (:205); ``floor_configuration`` (:216, shape undocumented) is ``{"levels": [{"floor",
  "size"}]}`` on maisonettes, else null; ``auction_url`` is an eauction.gr link built from
  ``auction_code``; ``features``, ``positioning``, ``view`` and ``flooring`` draw from the examples
  (:240-243) and a few keys more; a photo's ``watermark_image`` is null on every other photo of about
  a third of the listings (:249);
- ~15% of listings hide their address: ``display_address`` false, ``fake_address_el`` and
  ``fake_latitude``/``fake_longitude`` set (a few hundred metres off), ``show_circle_on_map`` on half
  of them; the exact address and coordinates are still sent;
- 400: a body that is not a JSON object, ``page`` not an integer >= 1, a filter that is not a
  string or a non-empty array of documented values, ``search`` not a string or integer,
  ``date_created`` not an object with both ``min`` and ``max`` (each null or
  ``YYYY-MM-DD HH:MM:SS``). Unknown body keys are ignored. ``search`` matches a code or an id
  exactly (case-sensitive); ``date_created`` bounds are inclusive, in Athens local time;
- ``total_pages`` is 0 when nothing matches; a page past the last is 200 with empty ``data``;
- errors are ``{"status": <code>, "message": "..."}``: 401 ``Unauthenticated.`` for a missing or
  unknown key, 404 ``Listing <id> not found.`` for an id the store does not serve; no quota is
  documented, so none is enforced (a 429 comes only from the fault switches, with a Retry-After).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import takewhile
from typing import Any
from zoneinfo import ZoneInfo

from .. import ids
from ..formats import local_date, naive_local
from ..locales import GREECE, STREETS, english_description, english_title, jitter, revised
from ..open_world import OpenWorld
from ..provider_module import HostContext, ProviderModule, option
from ..server import HttpError, ProviderApp, Request, Response, route
from ..world import CANONICAL_STATUSES, DAY_SECONDS, DRAFT, ListingState, World, stable_key

TIMEZONE = "Europe/Athens"
PAGE_SIZE = 50  # estateprime.txt:301 "results_per_page": 50
ID_BLOCK = 1_000_000  # ids of store s are s * ID_BLOCK + 1 ... s * ID_BLOCK + ID_BLOCK
STATUS_MAP = {"active": "active", "pending": "pending", "sold": "archived", "withdrawn": "inactive", "draft": "draft"}
DELETED = "deleted"  # a soft-deleted listing's status (estateprime.txt:161)
DRAFT_PERCENT = 20  # of the listings created on simulated days
# estateprime.txt:150 and :161 list every subcategory and status
OPEN_WORLD = {"subcategory": ("studio", "penthouse"), "status": ("reserved", "under_offer")}
LOOKUP_PATHS = ("/api/listings/sources", "/api/listings/tags", "/api/listings/custom-fields")  # :405, :437, :469
ENUMS: dict[str, tuple[str, ...]] = {  # the filters' values (estateprime.txt:268-271) and the fields' (:149-151, :161)
    "availability": ("sale", "rent", "auction", "shortterm"),
    "category": ("residential", "commercial", "land", "other"),
    "subcategory": (  # :270 gives examples; :150 the whole list
        "apartment",
        "maisonette",
        "detached",
        "villa",
        "loft",
        "residential_building",
        "apartment_complex",
        "farmhouse",
        "houseboat",
        "other_residential",
        "office",
        "store",
        "warehouse",
        "hotel",
        "commercial_building",
        "hall",
        "industrial_space",
        "craft_space",
        "other_commercial",
        "plot",
        "parcel",
        "island",
        "parking",
        "business",
        "air",
        "other",
    ),
    "status": ("draft", "pending", "active", "inactive", "archived", "deleted"),
}
LISTING_TYPES = {"sale": "sale", "rent": "rent", "auction": "auction", "shortterm": "short_term_rent"}
CODE_PREFIXES = {"residential": "RES", "commercial": "COM", "land": "LND", "other": "OTH"}
CODE_PATTERN = re.compile(r"(RES|COM|LND|OTH)-(\d{5,})")
DATETIME_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")  # YYYY-MM-DD HH:MM:SS (estateprime.txt:273)


@dataclass(frozen=True)
class Kind:
    category: str
    weight: int
    label_en: str
    label_el: str
    size: tuple[int, int]  # m²; the plot size for land
    price_factor: float  # times the city's sale price per m²


KINDS = {
    "apartment": Kind("residential", 40, "Apartment", "Διαμέρισμα", (35, 160), 1.0),
    "maisonette": Kind("residential", 10, "Maisonette", "Μεζονέτα", (80, 220), 1.05),
    "detached": Kind("residential", 9, "Detached House", "Μονοκατοικία", (70, 280), 0.95),
    "villa": Kind("residential", 4, "Villa", "Βίλα", (160, 600), 1.6),
    "loft": Kind("residential", 2, "Loft", "Loft", (45, 130), 1.1),
    "residential_building": Kind("residential", 1, "Residential Building", "Πολυκατοικία", (350, 1500), 0.8),
    "office": Kind("commercial", 6, "Office", "Γραφείο", (30, 400), 0.9),
    "store": Kind("commercial", 6, "Store", "Κατάστημα", (25, 300), 1.2),
    "warehouse": Kind("commercial", 2, "Warehouse", "Αποθήκη", (150, 2000), 0.35),
    "hotel": Kind("commercial", 1, "Hotel", "Ξενοδοχείο", (400, 4000), 1.3),
    "plot": Kind("land", 9, "Plot", "Οικόπεδο", (250, 2500), 0.12),
    "parcel": Kind("land", 5, "Parcel", "Αγροτεμάχιο", (2000, 30000), 0.012),
    "parking": Kind("other", 2, "Parking Space", "Θέση στάθμευσης", (11, 25), 0.7),
    "business": Kind("other", 1, "Business", "Επιχείρηση", (40, 250), 0.8),
}
AVAILABILITY_WEIGHTS = {
    "residential": (("sale", 62), ("rent", 26), ("shortterm", 7), ("auction", 5)),
    "commercial": (("sale", 55), ("rent", 40), ("auction", 5)),
    "land": (("sale", 92), ("auction", 8)),
    "other": (("sale", 60), ("rent", 40)),
}
SALE_PRICE_PER_SQM = {
    "Athens": 2900,
    "Glyfada": 4600,
    "Thessaloniki": 2200,
    "Heraklion": 2000,
    "Chania": 2300,
    "Patras": 1500,
}
COASTAL = {"Glyfada", "Thessaloniki", "Heraklion", "Chania", "Patras"}
MUNICIPALITIES = {
    "Athens": "Δήμος Αθηναίων",
    "Glyfada": "Δήμος Γλυφάδας",
    "Thessaloniki": "Δήμος Θεσσαλονίκης",
    "Heraklion": "Δήμος Ηρακλείου",
    "Chania": "Δήμος Χανίων",
    "Patras": "Δήμος Πατρέων",
}
NEIGHBOURHOODS_EN = {
    "Κολωνάκι": "Kolonaki",
    "Παγκράτι": "Pangrati",
    "Κουκάκι": "Koukaki",
    "Εξάρχεια": "Exarcheia",
    "Άνω Γλυφάδα": "Ano Glyfada",
    "Τερψιθέα": "Terpsithea",
    "Λαδάδικα": "Ladadika",
    "Καλαμαριά": "Kalamaria",
    "Άνω Πόλη": "Ano Poli",
    "Αλικαρνασσός": "Alikarnassos",
    "Μασταμπάς": "Mastampas",
    "Χαλέπα": "Chalepa",
    "Νέα Χώρα": "Nea Chora",
    "Ψηλαλώνια": "Psilalonia",
    "Αγυιά": "Agyia",
}
FEATURES_EL = (
    "θέα στη θάλασσα",
    "αποθήκη",
    "θέση στάθμευσης",
    "τζάκι",
    "ηλιακό θερμοσίφωνα",
    "κλιματισμό",
    "ιδιωτικό κήπο",
    "μεγάλες βεράντες",
)
NOTES = (
    "Owner prefers serious buyers only.",
    "Keys at the office.",
    "Call the owner before viewings.",
    "Tenant in place until the end of the lease.",
    "Price negotiable for a quick sale.",
)
SOURCES = [  # the first two as in estateprime.txt:424-431
    {"id": i, "name": name}
    for i, name in enumerate(
        ("Owner Direct", "Agency Referral", "Spitogatos", "XE.gr", "Website Enquiry", "Walk-in", "Social Media"), 1
    )
]
TAGS = [  # the first two as in estateprime.txt:456-463
    {"id": i, "name": name}
    for i, name in enumerate(
        (
            "Urgent Sale",
            "Price Reduced",
            "Golden Visa Eligible",
            "Investment Opportunity",
            "New Build",
            "Sea View",
            "Exclusive",
            "Pet Friendly",
        ),
        1,
    )
]
PRICE_REDUCED_TAG = 2
STATIC_TAGS = (1, 3, 4, 5, 6, 7, 8)
CUSTOM_FIELDS = [  # the first three as in estateprime.txt:487-513, then one of each type of :518-538
    {
        "id": i,
        "name": name,
        "type": kind,
        **({"options": [{"id": j, "name": option} for j, option in enumerate(options, 1)]} if options else {}),
    }
    for i, (name, kind, options) in enumerate(
        (
            ("Pool", "checkbox", ()),
            ("Condition Notes", "textarea", ()),
            ("View Type", "select_multi", ("Sea View", "Mountain View", "City View", "Acropolis View")),
            ("Cadastral Code (KAEK)", "text", ()),
            ("Marketing Description", "wysiwyg", ()),
            ("Building Coefficient", "number", ()),
            ("Objective Value", "formatted_number", ()),
            ("Furnishing", "select", ("Unfurnished", "Semi-furnished", "Furnished")),
            ("Energy Certificate", "file", ()),
            ("Building Permits", "file_multi", ()),
            ("Cover Image", "image", ()),
            ("Drone Shots", "image_multi", ()),
            ("Keyholder Address", "address", ()),
            ("Spitogatos Listing", "url", ()),
            ("Next Open House", "date", ()),
            ("Last Inspection", "datetime", ()),
            ("Annual Property Tax (ENFIA)", "currency", ()),
            ("Co-listing Agent", "user", ()),
            ("Photographers", "user_multi", ()),
            ("Notary", "contact", ()),
            ("Co-owners", "contact_multi", ()),
        ),
        1,
    )
]


def _area(area_id: int, name_el: str, name_en: str, parent: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": area_id,
        "name_el": name_el,
        "name_en": name_en,
        # "Θεσσαλονίκη > Δήμος Θεσσαλονίκης" (estateprime.txt:99-100)
        "full_name_el": f"{parent['full_name_el']} > {name_el}" if parent else name_el,
        "full_name_en": f"{parent['full_name_en']} > {name_en}" if parent else name_en,
    }


# The area hierarchy (region > municipality > neighbourhood) with stable ids; records share these
# dicts, which nothing mutates.
REGION_AREAS: dict[str, dict[str, Any]] = {}  # by English city name, like the two below
CITY_AREAS: dict[str, dict[str, Any]] = {}
NEIGHBOURHOOD_AREAS: dict[str, dict[str, Any]] = {}
for _place in GREECE:
    _region = next((a for a in REGION_AREAS.values() if a["name_en"] == _place.region), None) or _area(
        len({a["id"] for a in REGION_AREAS.values()}) + 1, _place.local_region, _place.region, None
    )
    REGION_AREAS[_place.city] = _region
    CITY_AREAS[_place.city] = _area(
        10 + len(CITY_AREAS), MUNICIPALITIES[_place.city], f"Municipality of {_place.city}", _region
    )
    for _name in _place.neighbourhoods:
        NEIGHBOURHOOD_AREAS[_name] = _area(
            100 + len(NEIGHBOURHOOD_AREAS), _name, NEIGHBOURHOODS_EN[_name], CITY_AREAS[_place.city]
        )


def parse_local(text: str) -> int:
    """``YYYY-MM-DD HH:MM:SS`` in Athens local time to epoch seconds; ValueError if malformed."""
    if not DATETIME_PATTERN.fullmatch(text):
        raise ValueError(text)
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(TIMEZONE)).timestamp())


def served_status(world: World, state: ListingState) -> str:
    """The status as served: ``deleted`` once removed (only served under soft deletion), an open-world
    word while active, else the world's status in EstatePrime's words."""
    if state.is_removed:
        return DELETED
    return world.generator.open_world.status(state.idx, state.status) or STATUS_MAP[state.status]


class EstatePrimeGenerator:
    property_field = "subcategory"

    def __init__(self, key: int, store_id: int, open_world: bool = True) -> None:
        self.key, self.store_id = key, store_id
        self.open_world = OpenWorld("estateprime", key, OPEN_WORLD, open_world)

    def listing_id(self, idx: int) -> str:
        return str(self.store_id * ID_BLOCK + idx + 1)

    def listing_idx(self, listing_id: str) -> int | None:
        idx = int(listing_id) - self.store_id * ID_BLOCK - 1 if listing_id.isdigit() else -1
        return idx if 0 <= idx < ID_BLOCK and self.listing_id(idx) == listing_id else None

    def code_idx(self, code: str) -> int | None:
        """The idx a listing code points at (the caller checks the listing really has that code)."""
        match = CODE_PATTERN.fullmatch(code)
        return int(match[2]) - 1 if match and int(match[2]) > 0 else None

    def static(self, rng: random.Random, idx: int) -> dict[str, Any]:
        place = rng.choice(GREECE)
        names, weights = zip(*((name, kind.weight) for name, kind in KINDS.items()), strict=True)
        drawn = rng.choices(names, weights)[0]  # drawn in any case: the RNG stays in step
        unlisted = self.open_world.value(idx, "subcategory")
        subcategory = "apartment" if unlisted else drawn  # an unlisted subcategory is built as a flat
        kind = KINDS[subcategory]
        category = kind.category
        availability = rng.choices(*zip(*AVAILABILITY_WEIGHTS[category], strict=True))[0]
        is_land, is_home = category == "land", category == "residential"
        is_flat = subcategory in ("apartment", "loft", "office")
        for_sale = availability in ("sale", "auction")
        area = rng.randrange(*kind.size)
        sale_price = area * SALE_PRICE_PER_SQM[place.city] * kind.price_factor * rng.uniform(0.75, 1.3)
        monthly_rent = max(150, round(sale_price / 250, -1))
        shortterm_unit = rng.choice(("per_month", "per_season")) if availability == "shortterm" else None
        # the world moves rents in tens and sale prices in thousands: start on those steps
        shortterm_price = monthly_rent * rng.uniform(1.8, 2.6) * (1 if shortterm_unit == "per_month" else 4)
        price = {"sale": sale_price, "rent": monthly_rent, "auction": sale_price * 0.7, "shortterm": shortterm_price}[
            availability
        ]
        price = int(round(price, -1) if availability in ("rent", "shortterm") else max(1000, round(price, -3)))
        rooms = None if not is_home else max(1, area // 35 + rng.randrange(-1, 2))
        floor = rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 6)) if is_flat else (0 if not is_land else None)
        building_floors = max(floor or 0, rng.randrange(2, 8)) if is_flat else None
        latitude, longitude = jitter(rng, place)
        neighbourhood = rng.choice(place.neighbourhoods) if rng.random() < 0.75 else None
        street = rng.choice(STREETS["gr"])
        hide_address = rng.random() < 0.15
        # a public pin a few hundred metres off the real one
        fake_latitude, fake_longitude = (
            (round(latitude + rng.uniform(-0.006, 0.006), 6), round(longitude + rng.uniform(-0.006, 0.006), 6))
            if hide_address
            else (None, None)
        )
        condition = None if is_land else rng.choice(("new", "renovated", "good", "good", "average", "needs_renovation"))
        year_built = None if is_land else rng.randrange(1960, 2025)
        parking = [rng.choice((0, 0, 1)), rng.choice((0, 0, 1)), rng.choice((0, 0, 0, 1, 2))] if is_home else [0, 0, 0]
        assignment = rng.choice(("none", "simple", "exclusive", "exclusive"))
        fee_type = rng.choice(("fixed", "percent")) if assignment != "none" else None
        label_en = kind.label_en
        # every enumerated value below comes from its field's "Possible values" (estateprime.txt:149-217)
        return {
            "listing_type": LISTING_TYPES[availability],
            "currency": "EUR",
            "base_price": int(price),
            # "RES-00120" (estateprime.txt:17, :148: nullable)
            "code": None if rng.random() < 0.02 else f"{CODE_PREFIXES[category]}-{idx + 1:05d}",
            "category": category,
            "subcategory": unlisted or subcategory,
            "availability": availability,
            "size": None if is_land else float(area),
            "floor": None if floor is None else float(floor),  # a float (estateprime.txt:155)
            "levels": None if is_land else (rng.choice((2, 3)) if subcategory in ("maisonette", "villa") else 1),
            "rooms": rooms,
            "bathrooms": None if not is_home else max(1, (rooms or 1) // 2),
            "year_built": year_built,
            "property_condition": condition,
            "source_id": rng.choice(SOURCES)["id"],
            "users": rng.sample(range(1, 16), rng.choice((1, 1, 2))),
            "wcs": None if not is_home else rng.choice((0, 1, 1, 2)),
            "living_rooms": None if not is_home else 1,
            "kitchens": None if not is_home else 1,
            "master_bedrooms": None if not is_home else rng.choice((0, 1, 1)),
            "assignment": assignment,
            "assignment_fee": None
            if fee_type is None
            else (rng.choice((2.0, 2.5, 3.0)) if fee_type == "percent" else float(rng.randrange(500, 3001, 100))),
            "assignment_fee_type": fee_type,
            "assignment_days": rng.choice((180, 365)) if assignment != "none" else None,
            "total_building_floors": building_floors,
            "heating_type": None if is_land else rng.choice(("autonomous", "central", "individual", "none")),
            "heating_source": None if is_land else rng.choice(("natural_gas", "oil", "heatpump", "ac", "pellet")),
            "frames": None if is_land else rng.choice(("aluminum", "aluminum", "pvc", "wood", "synthetic")),
            "frames_glass": None if is_land else rng.choice(("double", "double", "single", "triple")),
            "parking_open_sheltered": parking[0],
            "parking_open_unsheltered": parking[1],
            "parking_garage": parking[2],
            "parking_total": sum(parking),
            "construction_type": None if is_land else rng.choice(("concrete", "concrete", "concrete", "stone")),
            "year_renovated": rng.randrange(year_built, 2026) if condition == "renovated" and year_built else None,
            "land_size": float(area)
            if is_land
            else (float(rng.randrange(200, 2000)) if subcategory in ("detached", "villa") else None),
            "garden": rng.choice(("private", "shared", None)) if is_home and not is_flat else None,
            "zoning": rng.choice(("residential", "agricultural", "tourist", "unzoned")) if is_land else None,
            "coverage_ratio": float(rng.choice((40, 60, 70))) if is_land else None,
            "build_ratio": rng.choice((0.8, 1.2, 1.6, 2.4)) if is_land else None,
            "max_height": rng.choice((7.5, 8.5, 11.0, 15.0)) if is_land else None,
            "youtube_url": f"https://www.youtube.com/watch?v={ids.to_base62(idx, self.key, '')[-11:]}"
            if rng.random() < 0.1
            else None,
            "virtual_tour_url": f"https://tours.estateprime.sandbox/{self.store_id}/{idx + 1}"
            if rng.random() < 0.15
            else None,
            "distance_sea": rng.randrange(50, 3000, 10) if place.city in COASTAL else rng.randrange(3000, 9000, 10),
            "distance_airport": rng.randrange(5000, 40000, 100),
            "distance_city": rng.randrange(200, 12000, 50),
            "distance_market": rng.randrange(50, 1500, 10),
            "monthly_maintenance": rng.randrange(20, 150, 5) if is_flat else None,
            "tenant_contact_id": rng.randrange(5000, 9999) if availability == "sale" and rng.random() < 0.1 else None,
            "available_days": rng.randrange(0, 60) if availability in ("rent", "shortterm") else None,
            "has_keys": rng.random() < 0.6,
            "has_hidden_price": rng.random() < 0.08,
            "orientation": None if is_land else rng.choice(("e", "ew", "n", "ne", "w", "nw", "s", "se", "sw")),
            "energy_class": None if is_land else rng.choice(("ap", "a", "bp", "b", "c", "d", "e", "f", "g")),
            "is_negotiable": rng.random() < 0.5,
            "frontage_length": round(rng.uniform(8, 60), 2) if is_land or subcategory == "store" else None,
            "land_slope": rng.choice(("flat", "sloped", "amphitheatrical")) if is_land else None,
            "access_type": rng.choice(("road", "road", "dirt_road")) if is_land else None,
            "floor_configuration": {"levels": [{"floor": n, "size": round(area / 2, 2)} for n in range(2)]}
            if subcategory == "maisonette"
            else None,
            "shortterm_unit": shortterm_unit,
            "shortterm_min_stay": (1 if shortterm_unit == "per_season" else rng.choice((1, 2, 3)))
            if shortterm_unit
            else None,
            "shortterm_max_guests": 2 * (rooms or 1) + rng.choice((0, 1, 2)) if shortterm_unit else None,
            "auction_code": f"E{rng.randrange(100_000, 999_999)}" if availability == "auction" else None,
            "auction_days": rng.randrange(30, 120) if availability == "auction" else None,
            "notes": rng.choice(NOTES) if rng.random() < 0.4 else None,
            "city": place.city,
            "neighbourhood": neighbourhood,
            "postal_code": rng.choice(place.postal_codes),
            "address_el": f"{street} {rng.randrange(1, 180)}",
            "fake_address_el": rng.choice(STREETS["gr"]) if hide_address else None,
            "show_circle_on_map": hide_address and rng.random() < 0.5,
            "latitude": latitude,
            "longitude": longitude,
            "fake_latitude": fake_latitude,
            "fake_longitude": fake_longitude,
            "features": rng.sample(
                (
                    "elevator",
                    "storage",
                    "alarm",
                    "fireplace",
                    "solar_water_heater",
                    "air_conditioning",
                    "pool",
                    "furnished",
                ),
                rng.randrange(0, 4),
            ),
            "positioning": rng.sample(("corner", "seafront", "facade", "internal", "penthouse"), rng.randrange(0, 2)),
            "view": rng.sample(("sea_view", "mountain_view", "city_view", "acropolis_view"), rng.randrange(0, 3)),
            "flooring": [] if is_land else rng.sample(("marble", "tile", "wood", "laminate", "mosaic"), 2),
            "tags": sorted(rng.sample(STATIC_TAGS, rng.choice((0, 0, 1, 2)))),
            "contacts": sorted(rng.sample(range(1000, 5000), rng.choice((1, 1, 2)))),
            "photo_count": 0 if rng.random() < 0.05 else rng.randrange(1, 21),
            "watermark_every": rng.choice((1, 1, 2)),  # 2: only every other photo has a watermarked copy
            "english": rng.random() < 0.8,
            "title_en": english_title(rng, label_en, place.city, rooms),
            "description_en": english_description(rng, label_en, place.city),
            "title_el": f"{kind.label_el} {'προς πώληση' if for_sale else 'προς ενοικίαση'}, {place.local_city}",
            "description_el": f"{kind.label_el} {area} τ.μ. στην περιοχή {neighbourhood or place.local_city}. "
            f"Διαθέτει {' και '.join(rng.sample(FEATURES_EL, 2))}. "
            "Κοντά σε συγκοινωνίες και καταστήματα.",
        }


@dataclass(frozen=True)
class Filters:
    """A validated request body (without ``page``); hashable, so it keys the match cache."""

    search: str | None = None
    availability: frozenset[str] | None = None
    category: frozenset[str] | None = None
    subcategory: frozenset[str] | None = None
    status: frozenset[str] | None = None
    created_min: int | None = None
    created_max: int | None = None

    def accepts(self, state: ListingState, static: dict[str, Any], status: str) -> bool:
        """Whether a listing passes; ``status`` is its status as served."""
        if self.created_min is not None and state.created_at < self.created_min:
            return False
        if self.created_max is not None and state.created_at > self.created_max:
            return False
        return all(
            allowed is None or value in allowed
            for allowed, value in (
                (self.availability, static["availability"]),
                (self.category, static["category"]),
                (self.subcategory, static["subcategory"]),
                (self.status, status),
            )
        )


@lru_cache(maxsize=32)
def matching(world: World, version: int, filters: Filters) -> tuple[int, ...]:
    """Idxs of the listed listings that pass ``filters``, newest first.

    ``version`` is only a cache key: a client paging through one filter scans the world once per
    world state, not once per page.
    """
    if filters.search is not None:
        candidates = _search(world, filters.search)
    else:  # creation time never decreases with idx: scan only the idx window of date_created
        low, high = 0, world.size
        if filters.created_min is not None:
            low = world.first_idx_created_at_or_after(filters.created_min)
        if filters.created_max is not None:
            high = world.first_idx_created_at_or_after(filters.created_max + 1)
        candidates = list(takewhile(lambda state: state.idx < high, world.iter_listed(low)))
    return tuple(
        state.idx
        for state in reversed(candidates)
        if filters.accepts(state, world.static(state.idx), served_status(world, state))
    )


def _search(world: World, text: str) -> list[ListingState]:
    """The listing whose id or code is exactly ``text``, if it is listed."""
    generator: EstatePrimeGenerator = world.generator  # type: ignore[assignment]
    idx = generator.listing_idx(text)
    if idx is None:
        idx = generator.code_idx(text)
        if idx is None or idx >= world.size or world.static(idx)["code"] != text:
            return []
    state = world.lookup(generator.listing_id(idx))
    return [state] if state is not None else []


class EstatePrimeApp(ProviderApp):
    name = "estateprime"
    base_path = "/api"  # estateprime.txt:257
    record_fields = {
        "id": ("id",),
        "price": ("price",),
        "updated_at": ("date_updated",),
        "property_type": ("subcategory",),
        "status": ("status",),
    }
    newest_first = True

    def __init__(
        self,
        worlds: dict[str, World],
        api_keys: dict[str, str],
        auth_header: str = "X-Api-Key",
        auth_scheme: str = "",
        **kwargs: Any,
    ) -> None:
        if set(api_keys) != set(worlds) or len(set(api_keys.values())) != len(api_keys):
            raise ValueError("every account needs exactly one API key of its own")
        super().__init__(worlds, **kwargs)
        self.api_keys, self.auth_header, self.auth_scheme = api_keys, auth_header, auth_scheme
        # the header's whole value -> the account: the key alone, or after the scheme and one space
        self._accounts = {f"{auth_scheme} {key}" if auth_scheme else key: account for account, key in api_keys.items()}

    def routes(self) -> list:
        return [  # the lookup paths come first: /api/listings/{id} would match them too
            *(
                route("GET", path, lambda request, lookup=lookup: self.ok(lookup))
                for path, lookup in zip(LOOKUP_PATHS, (SOURCES, TAGS, CUSTOM_FIELDS), strict=True)
            ),
            route("GET", "/api/listings", self.list_listings, is_list=True),  # :257
            route("GET", "/api/listings/{listing_id}", self.get_listing),  # :330
        ]

    def credentials(self) -> dict[str, Any]:
        return {
            "auth_header": self.auth_header,
            "auth_scheme": self.auth_scheme,
            "accounts": [
                {"account_id": account, "store_id": self.worlds[account].generator.store_id, "api_key": key}
                for account, key in self.api_keys.items()
            ],
        }

    def error(self, status: int, message: str) -> HttpError:
        return HttpError(status, {"status": status, "message": message})

    def rate_limited(self, retry_after: float) -> HttpError:
        error = self.error(429, "Too Many Attempts.")
        error.headers["Retry-After"] = str(max(1, round(retry_after)))
        return error

    def authenticate(self, request: Request) -> str:
        # "authentication headers as described in the Authentication section" (estateprime.txt:264), a
        # section our copy lacks: the header and scheme are configurable (see the module docstring)
        account = self._accounts.get(request.headers.get(self.auth_header.lower(), ""))
        if account is None:
            raise self.error(401, "Unauthenticated.")
        return account

    def presented_credential(self, request: Request) -> str:
        scheme = f"{self.auth_scheme} " if self.auth_scheme else ""
        return request.headers[self.auth_header.lower()].removeprefix(scheme)

    def shift_world(self, request: Request) -> World:
        return self.worlds[self.authenticate(request)]

    def records(self, payload: Any) -> list[dict[str, Any]]:
        return payload["data"]

    def ok(self, data: Any) -> Response:
        return Response(200, {"status": 200, "data": data})  # estateprime.txt:343-345, :421-423

    # ---- rendering ---------------------------------------------------------------------------
    def served_record(self, world: World, state: ListingState) -> dict[str, Any]:
        return self.render(world, state)

    def render(self, world: World, state: ListingState) -> dict[str, Any]:
        static = world.static(state.idx)
        listing_id = int(world.generator.listing_id(state.idx))
        area_for_price = static["size"] or static["land_size"]

        def date(days: int | None) -> str | None:
            return None if days is None else local_date(state.created_at + days * DAY_SECONDS, TIMEZONE)

        photo_stem = (
            f"https://files.estateprime.sandbox/listings/{listing_id}/"
            f"{ids.scramble(state.idx, world.generator.key) & 0xFFFFFFFFFF:010x}"
        )
        translations = [
            {
                "language_id": 2,
                "title": static["title_el"],
                "description": revised(static["description_el"], state.revision),
            }
        ]
        if static["english"]:
            translations.insert(
                0,
                {
                    "language_id": 1,
                    "title": static["title_en"],
                    "description": revised(static["description_en"], state.revision),
                },
            )
        tags = static["tags"] + ([PRICE_REDUCED_TAG] if state.price < static["base_price"] else [])

        def pick(*names: str) -> dict[str, Any]:
            return {name: static[name] for name in names}

        return {
            "id": listing_id,  # an int (estateprime.txt:146)
            "store_id": world.generator.store_id,  # the store whose key asked (:147)
            **pick("code", "category", "subcategory", "availability"),
            "price": state.price,
            "price_per_sqm": round(state.price / area_for_price, 2) if area_for_price else None,
            **pick("size", "floor", "levels", "rooms", "bathrooms", "year_built", "property_condition"),
            "status": served_status(world, state),
            # the deletion is the last status change (estateprime.txt:162)
            "status_date": naive_local(state.removed_at if state.is_removed else state.status_at, TIMEZONE),
            "source_id": static["source_id"],
            "created_by": static["users"][0],
            "date_created": naive_local(state.created_at, TIMEZONE),  # YYYY-MM-DD HH:MM:SS (estateprime.txt:165-166)
            "date_updated": naive_local(state.updated_at, TIMEZONE),
            **pick(
                "wcs",
                "living_rooms",
                "kitchens",
                "master_bedrooms",
                "assignment",
                "assignment_fee",
                "assignment_fee_type",
            ),
            "assignment_expires": date(static["assignment_days"]),  # YYYY-MM-DD (estateprime.txt:177)
            **pick(
                "total_building_floors",
                "heating_type",
                "heating_source",
                "frames",
                "frames_glass",
                "parking_open_sheltered",
                "parking_open_unsheltered",
                "parking_garage",
                "parking_total",
                "construction_type",
                "year_renovated",
                "land_size",
                "garden",
                "zoning",
                "coverage_ratio",
                "build_ratio",
                "max_height",
                "youtube_url",
                "virtual_tour_url",
                "distance_sea",
                "distance_airport",
                "distance_city",
                "distance_market",
                "monthly_maintenance",
                "tenant_contact_id",
            ),
            "available_from": date(static["available_days"]),  # YYYY-MM-DD (estateprime.txt:206)
            "has_keys": static["has_keys"],
            "is_rented": static["tenant_contact_id"] is not None,
            **pick(
                "has_hidden_price",
                "orientation",
                "energy_class",
                "is_negotiable",
                "frontage_length",
                "land_slope",
                "access_type",
                "floor_configuration",
                "shortterm_unit",
                "shortterm_min_stay",
                "shortterm_max_guests",
                "auction_code",
            ),
            "auction_date": date(static["auction_days"]),  # YYYY-MM-DD (estateprime.txt:221)
            "auction_url": f"https://www.eauction.gr/Auction/Details/{static['auction_code']}"
            if static["auction_code"]
            else None,
            "notes": static["notes"],
            "location": {  # estateprime.txt:227-239
                "area_level1": REGION_AREAS[static["city"]],
                "area_level2": CITY_AREAS[static["city"]],
                "area_level3": NEIGHBOURHOOD_AREAS.get(static["neighbourhood"] or ""),
                "postal_code": static["postal_code"],
                "display_address": static["fake_address_el"] is None,  # a hidden address has a fake one (:232, :235)
                **pick(
                    "show_circle_on_map",
                    "address_el",
                    "fake_address_el",
                    "longitude",
                    "latitude",
                    "fake_longitude",
                    "fake_latitude",
                ),
            },
            **pick("features", "positioning", "view", "flooring"),
            "tags": sorted(tags),
            **pick("contacts", "users"),
            "photos": [  # estateprime.txt:247-249
                {
                    "original_image": f"{photo_stem}_{n}.jpg",
                    "watermark_image": f"{photo_stem}_{n}_wm.jpg" if n % static["watermark_every"] == 0 else None,
                }
                for n in range(1, static["photo_count"] + 1)
            ],
            "translations": translations,  # estateprime.txt:250-253
        }

    # ---- endpoints -----------------------------------------------------------------------------
    def _filters(self, request: Request) -> tuple[int, Filters]:
        """Validate the JSON body: the page and the filters."""
        try:
            body = json.loads(request.body) if request.body.strip() else {}
        except ValueError:
            raise self.error(400, "The request body must be valid JSON.") from None
        if not isinstance(body, dict):
            raise self.error(400, "The request body must be a JSON object.")
        page = body.get("page", 1)  # "Defaults to 1" (estateprime.txt:266)
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise self.error(400, "The page must be an integer of at least 1.")
        search = body.get("search")  # "by listing code or ID (exact match)" (estateprime.txt:267)
        if isinstance(search, bool) or not isinstance(search, str | int | None):
            raise self.error(400, "The search must be a string.")
        values: dict[str, Any] = {"search": None if search is None else str(search)}
        for name, allowed in ENUMS.items():
            raw = body.get(name)
            chosen = [raw] if isinstance(raw, str) else raw  # "a single string or an array" (estateprime.txt:268-271)
            if raw is not None and (
                not isinstance(chosen, list) or not chosen or any(value not in allowed for value in chosen)
            ):
                raise self.error(400, f"The {name} must be one or more of: {', '.join(allowed)}.")
            values[name] = None if raw is None else frozenset(chosen)
        if "date_created" in body:  # an object that "Must include" min and max, each may be null (:272-274)
            window = body["date_created"]
            if not isinstance(window, dict) or not {"min", "max"} <= set(window):
                raise self.error(400, "The date_created must be an object with min and max.")
            try:
                values["created_min"], values["created_max"] = (
                    None if window[bound] is None else parse_local(window[bound]) for bound in ("min", "max")
                )
            except (TypeError, ValueError):
                raise self.error(400, "The date_created min and max must be null or YYYY-MM-DD HH:MM:SS.") from None
        return page, Filters(**values)

    def list_listings(self, request: Request) -> Response:
        page, filters = self._filters(request)
        world, offset = self.shift_world(request), (page - 1) * PAGE_SIZE
        with world.lock:
            if filters == Filters():
                total = world.listed_count
                states = world.page(offset, PAGE_SIZE, newest_first=True)
            else:
                found = matching(world, world.version, filters)
                total, states = len(found), [world.state(idx) for idx in found[offset : offset + PAGE_SIZE]]
            data = [self.render(world, state) for state in states]
        return Response(
            200,
            {
                "status": 200,
                "page": page,
                "total_pages": -(-total // PAGE_SIZE),  # 692 results, 50 a page: 14 (estateprime.txt:300-302)
                "results_per_page": PAGE_SIZE,
                "total_results": total,
                "data": data,
            },
        )

    def get_listing(self, request: Request, listing_id: str) -> Response:
        world = self.shift_world(request)
        state = world.lookup(listing_id)
        if state is None:
            raise self.error(404, f"Listing {listing_id} not found.")
        with world.lock:
            return self.ok(self.render(world, state))


@dataclass(frozen=True)
class Options:
    # the Authentication section is missing from the document (estateprime.txt:264 points at it): the
    # key alone in this header (scheme ""), or after a scheme ("Bearer", with the header "Authorization")
    auth_header: str = option("X-Api-Key", "the header that carries a store's key (the document's section is missing)")
    auth_scheme: str = option("", "a scheme before the key in that header, e.g. Bearer; empty: the key alone")
    # drafts in the list and found by id (True) or neither (False); see the module docstring
    drafts_listed: bool = option(True, "drafts (estateprime.txt:161) in the unfiltered list and found by id")
    # removals: status `deleted`, still served (True), or the listing disappears (False)
    soft_delete: bool = option(True, "a removed listing stays served with status deleted (estateprime.txt:161)")


def build(host: HostContext) -> EstatePrimeApp:
    options: Options = host.options
    key = host.ids_key
    listed = frozenset(CANONICAL_STATUSES) | ({DRAFT} if options.drafts_listed else set())
    worlds = {
        store: host.world(
            "estateprime",
            store,
            EstatePrimeGenerator(key ^ stable_key("estateprime", store), int(store), host.open_world),
            listed=listed,
            draft_percent=DRAFT_PERCENT,
            serve_removed=options.soft_delete,
        )
        for store in host.sizes
    }
    return EstatePrimeApp(
        worlds,
        api_keys={store: host.secret(f"estateprime_api_key_{store}") for store in host.sizes},
        auth_header=options.auth_header,
        auth_scheme=options.auth_scheme,
    )


def dlt_settings(info: Mapping[str, Any]) -> dict[str, str]:
    return {
        "AUTH_HEADER": info["auth_header"],
        "AUTH_SCHEME": info["auth_scheme"],
        "API_KEYS": json.dumps({account["store_id"]: account["api_key"] for account in info["accounts"]}),
    }


SANDBOX = ProviderModule(
    sizes={"estateprime": {"1": 160, "2": 140}},  # store ids
    build=build,
    dlt_settings=dlt_settings,
    max_page_size=PAGE_SIZE,
    options=Options,
    open_world=OPEN_WORLD,
    lookup_lists=len(LOOKUP_PATHS),
)
