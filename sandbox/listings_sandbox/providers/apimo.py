"""Apimo sandbox: ``GET /agencies/{agency_id}/properties`` behind HTTP basic auth ``provider:token``.

Document: ``provider_docs/apimo.txt``. French listings priced in EUR; one world per agency, and the
provider's one token reads every agency. Only the read endpoint is served: the pipeline only reads.
- Query parameters (apimo.txt:35-37): ``limit`` (1..200, default 100), ``offset`` (>= 0, default 0)
  and ``timestamp`` (UNIX seconds >= 0: records created or updated at or after it). Anything else in
  them is a 400.
- Response ``{"total_items", "timestamp", "properties"}`` (:41-43): ``total_items`` counts the whole
  filtered result; ``timestamp`` is the latest ``updated_at`` (as UNIX time) of the whole filtered
  result, not of the page, so a client can pass it back as the next ``timestamp``; when nothing
  matches it echoes the request's ``timestamp`` (null without one).
- Order: id ascending, which is creation order; a listing removed mid-scan shifts later offsets.
- Errors (401 wrong or missing credentials, 404 unknown agency or path, 400) are ``{"error": "..."}``;
  the document shows none. No quota is documented, so none is enforced.
- Cost: totals and timestamps are cached per world state; a ``timestamp`` filter is one pass over
  cheap per-listing timestamps (no listing is built): under a second at 200,000 listings.

Where the document is silent (or its field list and its example disagree: the example, being a
real response, wins on shape, e.g. ``user`` and ``location`` are integers; fields only the list
names are added) the sandbox chooses:
- ids are integers ``agency_id * 1_000_000 + n``, n counting the agency's listings from 1 (ascending
  with creation, unique across agencies); ``reference`` is ``str(1000 + n - 1)``;
- codes: category 1 sale, 2 rental, 3 seasonal rental. subcategory 1 classic sale, 21 unfurnished
  rental, 22 furnished rental, 31 holiday rental. type 1 apartment, 2 house, 3 land, 4 business/
  commercial, 5 parking, 6 building; subtype 1 studio, 2 duplex, 3 loft, 4 penthouse, 5 apartment,
  10 house, 11 villa, 12 townhouse, 13 farmhouse, 20 building land, 30 shop, 31 office, 40 parking
  space, 50 apartment building;
- step / status from the world's status: active -> 1 / 1 (available), pending -> 2 / 2 (under offer),
  sold -> 3 / 3 (sold) or 4 (let, for rentals), withdrawn -> 4 / 5 (withdrawn). ``status`` and
  ``group`` (always 1) are the only private-mode fields sent, as in the example; a removed listing
  disappears;
- price: ``period`` 1 monthly (rentals), 2 weekly (seasonal), null for sales; ``unit`` is 1 (m²);
  sales include agency ``fees`` in ``value``; ``sold``/``sold_at`` are set on sold sales; rents
  (monthly and seasonal, per week) move in tens, sale prices in thousands;
- area ``unit`` 1 is m²; ``rooms`` is a decimal string ("3.0"); ``radius`` is 0 when
  ``publish_address`` is 1, else 300..1000 m, and then ``address`` is null on half the listings while
  ``latitude``/``longitude`` stay exact (hiding them is the consumer's job);
- ``comments``: a French comment always, an English one on ~40% of listings;
- ``floor.type`` 1 ground floor, 2 in between, 3 top floor (null off flats), ``floor.value`` the
  floor's number, also for the top one; ``availability`` 1 free, 2 occupied; ``agreement.type`` 1
  simple mandate, 2 exclusive; ``condition`` 1..5 and ``standing`` 1..3 opaque codes; ``medias[].type``
  2 YouTube or 12 Matterport (the codes of :301); ``region`` an object ``{id, name}`` like ``city``
  (the example has none); ``price.guarantee`` and ``price.first_value``, in the example but not in the
  list, are not sent by generated records;
- ``areas[].type`` (strings): 1 bedroom, 3 kitchen, 6 WC, 8 bathroom, 15 entrance, 20 living room,
  24 terrace; ``flooring``: 1 parquet, 2 tiles, 3 carpet; orientations 1..8 = N, NE, E, SE, S, SW,
  W, NW; ``regulations`` type 1 is the energy class and 2 the greenhouse-gas class (value A..G);
  ``services``, ``proximities``, ``view``, ``heating`` and ``water`` codes are opaque catalogue ids;
- ``created_at``/``updated_at`` are naive Europe/Paris local time, ``YYYY-MM-DD HH:MM:SS``;
- open world (``SandboxConfig.open_world``): about 1% of listings send a ``type``/``subtype`` pair
  outside the table above (7/70 or 8/80), and about 1%, while active, a ``step`` outside it (5 or 6;
  ``status`` stays 1). The document enumerates no codes (apimo.txt:64, :70-71), so a client meets
  codes its catalogue lacks; such a listing is served and listed like an active one.
- Private mode (``status`` and ``group`` sent, as in the document's example) by default, or public
  mode: the ``public_mode`` option (``Options`` below).

The document's example (the ``document_example`` option, default True): the one property of
the example response (apimo.txt:240) is served byte for byte as a record of the first agency, first
in id order (181297 is below every generated id, and its 2010 creation older than them all), and in
every ``timestamp`` answer it falls in: ``user`` a number, ``location`` a number, no ``agency``,
``region`` or ``radius``, ``step`` 1 and ``status`` 1 (active), category 2 (rent), type 1. It never
changes. (Public mode strips its private fields, as any record's.) The truth has it (``property_type``
1, price 750 EUR, ``listing_type`` rent, created 2010-06-30 14:33:53 Paris time). With it, the
host writes JSON as the example shows PHP's ``json_encode`` does: ``\\/`` for every slash and
``\\uXXXX`` for every non-ASCII character. False: records are generated ones only, JSON as the
other hosts write it.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .. import ids
from ..formats import local_date, naive_local
from ..locales import FRANCE, STREETS, english_description, english_title, jitter, revised
from ..open_world import OpenWorld
from ..provider_module import HostContext, ProviderModule, option
from ..server import ProviderApp, Request, Response, route
from ..truth import listing_truth
from ..world import DAY_SECONDS, ListingState, World, stable_key

TIMEZONE = "Europe/Paris"
MAX_LIMIT, DEFAULT_LIMIT = 200, 100  # "max: 200, default: 100" (apimo.txt:35)
ID_BLOCK = 1_000_000  # ids of agency a are a * ID_BLOCK + 1 ... a * ID_BLOCK + ID_BLOCK
STEPS = {"active": 1, "pending": 2, "sold": 3, "withdrawn": 4}
STATUSES = {"active": 1, "pending": 2, "sold": 3, "withdrawn": 5}
LET_STATUS = 4  # a "sold" rental was let
SALE, RENTAL, SEASONAL = 1, 2, 3
LISTING_TYPES = {SALE: "sale", RENTAL: "rent", SEASONAL: "short_term_rent"}
REGION_IDS = {
    "Provence-Alpes-Côte d'Azur": 93,
    "Île-de-France": 11,
    "Auvergne-Rhône-Alpes": 84,
    "Nouvelle-Aquitaine": 75,
    "Occitanie": 76,
}  # INSEE region codes
CITY_IDS = {"Nice": 2123, "Paris": 1875, "Lyon": 2464, "Bordeaux": 1312, "Marseille": 2151, "Montpellier": 2548}
DISTRICT_IDS = {name: i for i, name in enumerate((n for place in FRANCE for n in place.neighbourhoods), 1)}
SALE_PRICE_PER_SQM = {
    "Nice": 5200,
    "Paris": 10200,
    "Lyon": 5000,
    "Bordeaux": 4600,
    "Marseille": 3700,
    "Montpellier": 3900,
}
SEASIDE = {"Nice", "Marseille", "Montpellier"}
FEATURES_FR = (
    "vue mer",
    "balcon",
    "terrasse",
    "cave",
    "parking en sous-sol",
    "jardin privatif",
    "piscine",
    "climatisation",
    "double vitrage",
    "ascenseur",
)
STYLES = ("RECENT", "ANCIENT", "MODERN", "HAUSSMANNIAN", "PROVENCAL", "CONTEMPORARY")
PICTURE_SIZES = ((1920, 1440), (1920, 1080), (1600, 1200), (1024, 768))
ENERGY_CLASSES = "ABCDEFG"
ROOM_AREAS = {"1": (9, 18), "20": (16, 45), "24": (4, 20)}  # m², for the room types that carry one
# apimo.txt:64, :70-71 name a few codes in prose only; these are outside the sandbox's code table
# (the docstring's), as a catalogue entry added later would be
OPEN_WORLD = {"type": (7, 8), "subtype": (70, 80), "step": (5, 6)}


@dataclass(frozen=True)
class Kind:
    type: int
    subtype: int
    weight: int
    label_fr: str
    label_en: str
    area: tuple[int, int]  # m²
    price_factor: float  # times the city's sale price per m²

    @property
    def is_home(self) -> bool:
        return self.type in (1, 2)


KINDS = (
    Kind(1, 1, 8, "Studio", "Studio", (14, 35), 1.15),
    Kind(1, 5, 34, "Appartement", "Apartment", (35, 140), 1.0),
    Kind(1, 2, 5, "Duplex", "Duplex", (60, 160), 1.05),
    Kind(1, 4, 2, "Penthouse", "Penthouse", (90, 250), 1.5),
    Kind(1, 3, 2, "Loft", "Loft", (70, 220), 1.1),
    Kind(2, 10, 18, "Maison", "House", (70, 220), 0.85),
    Kind(2, 11, 6, "Villa", "Villa", (120, 400), 1.3),
    Kind(2, 12, 3, "Maison de ville", "Townhouse", (70, 160), 0.9),
    Kind(2, 13, 2, "Mas", "Farmhouse", (150, 350), 0.9),
    Kind(3, 20, 6, "Terrain constructible", "Building land", (300, 2500), 0.15),
    Kind(4, 30, 4, "Local commercial", "Shop", (30, 300), 0.8),
    Kind(4, 31, 3, "Bureau", "Office", (25, 400), 0.8),
    Kind(5, 40, 4, "Parking", "Parking space", (10, 15), 0.5),
    Kind(6, 50, 1, "Immeuble", "Apartment building", (300, 1200), 0.8),
)
KIND_WEIGHTS = tuple(kind.weight for kind in KINDS)

DOCUMENT_EXAMPLE_TEXT = (  # apimo.txt:240, the one record of the example response, byte for byte
    r'{"id":181297,"reference":"24367","user":10,"step":1,"status":1,"group":1,"parent":0,"category":2,"subcat'
    r'egory":21,"name":"","type":1,"subtype":5,"agreement":{"type":1,"reference":"1158","start_at":"2016-04-12'
    r'","end_at":"2016-10-12"},"address":null,"address_more":null,"country":"FR","city":{"id":2123,"name":"Nic'
    r'e","zipcode":"06100"},"district":{"id":18,"name":"Gambetta"},"location":6,"longitude":7.25315,"latitude"'
    r':43.69821,"area":{"unit":1,"value":52.12,"total":null},"rooms":"2.0","bedrooms":1,"sleeps":null,"price":'
    r'{"value":750,"fees":70,"hide":false,"commission":null,"guarantee":750,"currency":"EUR","first_value":670'
    r'},"residence":{"type":0,"fees":70,"lots":0},"view":{"type":3,"landscape":[]},"floor":{"type":5,"value":3'
    r'},"heating":{"device":null,"access":1,"type":1},"water":{"hot_device":3,"hot_access":1,"waste":2},"condi'
    r'tion":3,"standing":1,"style":{"name":"RECENT"},"activities":[],"orientations":[3],"services":[6,9,1,23],'
    r'"proximities":[1,7,23,4,11,9,27,18,15,10],"tags":[],"pictures":[{"rank":1,"url":"https:\/\/s3-eu-west-1.'
    r'amazonaws.com\/apimo\/pictures\/estate\/182\/181297\/1333698249570d11f3a8fe30.65435457_1024.jpg","width_'
    r'max":1920,"height_max":1440,"comments":[]},{"rank":2,"url":"https:\/\/s3-eu-west-1.amazonaws.com\/apimo'
    r'\/pictures\/estate\/182\/181297\/11754140635139d8635d6864.86036814_1024.jpg","width_max":1920,"height_ma'
    r'x":1080,"comments":[]},{"rank":3,"url":"https:\/\/s3-eu-west-1.amazonaws.com\/apimo\/pictures\/estate\/1'
    r'82\/181297\/7580103925139d636a2a559.62635841_1024.jpg","width_max":1920,"height_max":1080,"comments":[]}'
    r'],"medias":[],"comments":[{"language":"fr","title":"2P CENTRE NICE","subtitle":null,"hook":null,"comment'
    r'":"GAMBETTA \/ CESSOLE, SPACIEUX 2P, de 52m\u00b2 expos\u00e9 \u2026","comment_full":null}],"areas":[{"t'
    r'ype":"15","number":"1","area":null,"flooring":"2","floor":{"id":0,"value":null},"orientations":[],"comme'
    r'nts":[]},{"type":"1","number":"1","area":12.88,"flooring":"1","floor":{"id":0,"value":null},"orientation'
    r's":[3],"comments":[{"language":"fr","comment":"placard, BALCON 7.80m\u00b2"}]},{"type":"3","number":"1",'
    r'"area":null,"flooring":"2","floor":{"id":0,"value":null},"orientations":[3],"comments":[{"language":"fr"'
    r',"comment":"Am\u00e9ricaine \u00e9quip\u00e9e"}]},{"type":"20","number":"1","area":20.45,"flooring":"2",'
    r'"floor":{"id":0,"value":null},"orientations":[3],"comments":[{"language":"fr","comment":"balcon vue d\u0'
    r'0e9gag\u00e9e"}]},{"type":"41","number":"1","area":null,"flooring":"2","floor":{"id":0,"value":null},"or'
    r'ientations":[],"comments":[]},{"type":"6","number":"1","area":null,"flooring":null,"floor":{"id":0,"valu'
    r'e":null},"orientations":[],"comments":[]}],"regulations":[{"type":4,"value":"1","date":"2013-03-08"},{"t'
    r'ype":7,"value":"1","date":null}],"created_at":"2010-06-30 14:33:53","updated_at":"2016-04-12 22:30:45"}'
)
DOCUMENT_EXAMPLE = json.loads(DOCUMENT_EXAMPLE_TEXT)  # read only: each response parses its own copy


def parse_local(text: str) -> int:
    """``YYYY-MM-DD HH:MM:SS`` in Paris local time to epoch seconds."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(TIMEZONE)).timestamp())


def php_json(payload: Any) -> bytes:
    """JSON as PHP's ``json_encode`` writes it (apimo.txt:240): ``\\/`` for ``/``, ``\\uXXXX`` for
    non-ASCII. A ``/`` can only occur inside a JSON string, so replacing it is safe."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


class ApimoGenerator:
    property_field = "type"  # "Type of the property (apartment, house, …)", apimo.txt:70

    def __init__(self, key: int, agency_id: int, open_world: bool = True) -> None:
        self.key, self.agency_id = key, agency_id
        self.open_world = OpenWorld("apimo", key, OPEN_WORLD, open_world)

    def listing_id(self, idx: int) -> str:
        return str(self.agency_id * ID_BLOCK + idx + 1)

    def listing_idx(self, listing_id: str) -> int | None:
        idx = int(listing_id) - self.agency_id * ID_BLOCK - 1 if listing_id.isdigit() else -1
        return idx if 0 <= idx < ID_BLOCK and self.listing_id(idx) == listing_id else None

    def static(self, rng: random.Random, idx: int) -> dict[str, Any]:
        place = rng.choice(FRANCE)
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        category = rng.choices((SALE, RENTAL, SEASONAL), (70, 25, 5) if kind.is_home else (75, 25, 0))[0]
        if kind.type == 3:
            category = SALE  # land is not let
        furnished = category == RENTAL and kind.is_home and rng.random() < 0.3
        area = round(rng.uniform(*kind.area), 2)
        sale_price = area * SALE_PRICE_PER_SQM[place.city] * kind.price_factor * rng.uniform(0.8, 1.25)
        monthly_rent = max(50, round(sale_price / 300 * rng.uniform(0.9, 1.2), -1))
        # the world moves rents in tens and sale prices in thousands: start on those steps
        price = {
            SALE: max(1000, round(sale_price, -3)),
            RENTAL: monthly_rent,
            SEASONAL: int(max(100, round(monthly_rent * rng.uniform(0.9, 1.6), -1))),
        }[category]
        rooms = max(1, round(area / 22)) if kind.is_home else 0
        bedrooms = max(0, rooms - 1) if kind.subtype != 1 else 0
        floors = rng.randrange(2, 9) if kind.type == 1 else None
        floor = rng.randrange(0, floors + 1) if floors else None
        latitude, longitude = jitter(rng, place, 0.03)
        district = rng.choice(place.neighbourhoods)
        features = rng.sample(FEATURES_FR, 2)
        title_fr = (
            f"{kind.label_fr.upper()} {rooms}P {district.upper()}"
            if kind.is_home
            else f"{kind.label_fr.upper()} {place.city.upper()}"
        )
        publish = rng.random() < 0.7
        orientations = sorted(rng.sample(range(1, 9), rng.randrange(0, 3)))
        picture_count = rng.randrange(0, 16)
        return {
            "listing_type": LISTING_TYPES[category],
            "currency": "EUR",
            "base_price": int(price),
            "user": rng.randrange(10, 22),
            "ranking": rng.randrange(1, 6),
            "category": category,
            "subcategory": {SALE: 1, RENTAL: 22 if furnished else 21, SEASONAL: 31}[category],
            # an unknown type comes with its unknown subtype; the rest is built as the drawn kind
            "type": self.open_world.value(idx, "type") or kind.type,
            "subtype": self.open_world.value(idx, "subtype") or kind.subtype,
            "label_fr": kind.label_fr,
            "agreement_type": rng.choice((1, 1, 2)),  # 1 simple mandate, 2 exclusive
            "agreement_months": rng.choice((3, 6, 12)),
            "lot_reference": f"Lot {rng.randrange(1, 80)}" if kind.type == 1 else None,
            "cadastre_reference": f"{rng.choice('ABCDEHK')}{rng.choice('ABCDEHK')} {rng.randrange(1, 999)}"
            if kind.type in (2, 3)
            else None,
            "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS['fr'])}",
            "address_more": rng.choice((None, None, "Bâtiment B", "Résidence Les Pins", "Au fond de la cour")),
            "publish_address": int(publish),
            "address_hidden": not publish and rng.random() < 0.5,
            "radius": 0 if publish else rng.randrange(300, 1001, 100),
            "city": place.city,
            "region": place.region,
            "zipcode": rng.choice(place.postal_codes),
            "district": district,
            "location": rng.choice((1, 2, 6)) if place.city in SEASIDE else rng.choice((1, 6)),
            "latitude": latitude,
            "longitude": longitude,
            "area": area,
            "area_total": round(area * rng.uniform(1.05, 1.3), 2)
            if kind.type == 1 and rng.random() < 0.4
            # a house's plot: "total area (should be greater than value)" (apimo.txt:103)
            else (float(rng.randrange(max(300, int(area) + 1), 3000)) if kind.type == 2 else None),
            "rooms": rooms,
            "bedrooms": bedrooms,
            "sleeps": 2 * max(1, bedrooms) if category == SEASONAL else None,
            "fee_rate": rng.choice((0.04, 0.05, 0.06)),  # agency fees included in a sale price
            "charges": rng.randrange(20, 250, 10) if category == RENTAL else rng.randrange(50, 151, 10),
            "hide_price": rng.random() < 0.05,
            "estimation": (int(round(price * 0.95, -3)), int(round(price * 1.05, -3)))
            if category == SALE
            else (None, None),
            "tenant": round(monthly_rent) if category == SALE and kind.is_home and rng.random() < 0.1 else None,
            "residence": {"type": 1, "fees": rng.randrange(600, 4000, 50), "lots": rng.randrange(4, 120)}
            if kind.type == 1
            else {"type": 0, "fees": None, "lots": 0},
            "view": {
                "type": rng.choice((3, 4)) if place.city in SEASIDE else rng.choice((1, 2, 3)),
                "landscape": rng.sample((1, 2, 3, 5), rng.randrange(0, 2)),
            },
            "floor": {
                "type": None if floor is None else 1 if floor == 0 else 3 if floor == floors else 2,
                "value": floor,
                "levels": 2 if kind.subtype == 2 else 1,
                "floors": floors,
            },
            "heating": {"device": rng.choice((1, 2, 3)), "access": rng.choice((1, 2)), "type": rng.randrange(1, 6)}
            if kind.type != 3
            else {"device": None, "access": None, "type": None},
            "water": {"hot_device": rng.randrange(1, 5), "hot_access": rng.choice((1, 2)), "waste": rng.choice((1, 2))}
            if kind.type != 3
            else {"hot_device": None, "hot_access": None, "waste": None},
            "condition": None if kind.type == 3 else rng.randrange(1, 6),
            "standing": rng.randrange(1, 4),
            "style": {"name": rng.choice(STYLES)} if kind.is_home else {"name": None},
            "occupied": category == SALE and rng.random() < 0.1,
            "available_days": rng.randrange(0, 60) if category != SALE else None,
            "orientations": orientations,
            "services": rng.sample(range(1, 30), rng.randrange(0, 6)),
            "proximities": rng.sample(range(1, 30), rng.randrange(0, 10)),
            "tags": rng.sample(range(1, 40), rng.randrange(0, 3)),
            "tags_customized": [{"comment": "Coup de cœur"}] if rng.random() < 0.1 else [],
            "pictures": [PICTURE_SIZES[rng.randrange(len(PICTURE_SIZES))] for _ in range(picture_count)],
            "media": rng.choice(((2, "https://youtu.be/"), (12, "https://my.matterport.com/show/?m=")))
            if rng.random() < 0.15
            else None,
            "title_fr": title_fr,
            "comment_fr": f"{kind.label_fr} de {area:.0f} m² à {place.city}, quartier {district}. "
            f"{'Chambres : ' + str(bedrooms) + '. ' if bedrooms else ''}"
            f"Atouts : {features[0]}, {features[1]}. Proche commerces et transports.",
            "english": rng.random() < 0.4,
            "title_en": english_title(rng, kind.label_en, place.city, bedrooms or None),
            "comment_en": english_description(rng, kind.label_en, place.city),
            "areas": _areas(rng, kind, bedrooms, orientations),
            "energy": (rng.choice(ENERGY_CLASSES), rng.choice(ENERGY_CLASSES), rng.randrange(200, 1500))
            if kind.type != 5
            else None,  # (energy class, GHG class, days before creation of the diagnosis)
        }


def _areas(rng: random.Random, kind: Kind, bedrooms: int, orientations: list[int]) -> list[dict[str, Any]]:
    """The rooms of a home, in the example's shape (string codes, ``floor`` with ``id``)."""
    if not kind.is_home:
        return []
    rooms = [("15", None), ("20", "séjour lumineux"), ("3", rng.choice(("Américaine équipée", "Cuisine séparée")))]
    rooms += [("1", rng.choice((None, "placard"))) for _ in range(bedrooms)]
    rooms += [("8", None), ("6", None)] + ([("24", "vue dégagée")] if rng.random() < 0.4 else [])
    return [
        {
            "type": code,
            "number": "1",
            "area": round(rng.uniform(*ROOM_AREAS[code]), 2) if code in ROOM_AREAS else None,
            "flooring": None if code == "6" else rng.choice(("1", "2", "2", "3")),
            "floor": {"id": 0, "value": None},
            "orientations": orientations if code in ("20", "24") else [],
            "comments": [{"language": "fr", "comment": comment}] if comment else [],
        }
        for code, comment in rooms
    ]


@lru_cache(maxsize=16)
def updated_since(world: World, version: int, since: int) -> tuple[tuple[int, ...], int | None]:
    """Idxs (ascending) of the listed listings updated at or after ``since``, and their latest update.

    One pass over cheap per-listing timestamps (no listing is built), once per world state and
    ``since`` rather than once per page: ``version`` is only the cache key.
    """
    found = tuple(idx for idx in range(world.size) if world.is_listed_idx(idx) and world.updated_at(idx) >= since)
    return found, max((world.updated_at(idx) for idx in found), default=None)


def latest_update(world: World, version: int) -> int | None:
    """The latest ``updated_at`` of all listed listings."""
    return updated_since(world, version, 0)[1]


class ApimoApp(ProviderApp):
    name = "apimo"
    base_path = ""  # https://api.apimo.pro/agencies/... (apimo.txt:217)
    record_fields = {
        "id": ("id",),
        "price": ("price", "value"),
        "updated_at": ("updated_at",),
        "property_type": ("type",),  # "Type of the property" (apimo.txt:70); `subtype` refines it
        "status": ("step",),
    }
    newest_first = False
    # the fields apimo.txt:192-210 lists under "mode privé" only: a public-mode response has none of
    # them, and a client must read the status from `step` (apimo.txt:64)
    PRIVATE_MODE_FIELDS = (
        "status",
        "group",
        "agreement",
        "owner",
        "visit",
        "exchanges",
        "filling_rate",
        "private_comment",
        "status_comment",
        "logs",
    )

    def __init__(
        self,
        worlds: dict[str, World],
        provider_id: str,
        token: str,
        public_mode: bool = False,
        document_example: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(worlds, **kwargs)
        self.provider_id, self.token, self.public_mode = provider_id, token, public_mode
        self._authorization = "Basic " + base64.b64encode(f"{provider_id}:{token}".encode()).decode()
        # the agency whose list holds the document's example property, if any
        self.example_agency = next(iter(worlds)) if document_example else None

    def encode(self, payload: Any) -> bytes:
        return php_json(payload) if self.example_agency is not None else super().encode(payload)

    def fixed_truth(self) -> list[dict[str, Any]]:
        if self.example_agency is None:
            return []
        created, updated = parse_local(DOCUMENT_EXAMPLE["created_at"]), parse_local(DOCUMENT_EXAMPLE["updated_at"])
        price = DOCUMENT_EXAMPLE["price"]["value"]
        state = ListingState(-1, created, updated, price, "active", price_history=[(created, price)])
        return [
            listing_truth(
                provider="apimo",
                account_id=self.example_agency,
                listing_id=str(DOCUMENT_EXAMPLE["id"]),
                state=state,
                status="active",  # step 1 (apimo.txt:64: "in progress")
                is_listed=True,
                static={"currency": DOCUMENT_EXAMPLE["price"]["currency"], "listing_type": LISTING_TYPES[RENTAL]},
                property_type=DOCUMENT_EXAMPLE["type"],
            )
        ]

    def routes(self) -> list:
        # the read endpoint of apimo.txt:18, :27; the write endpoints (:19-25) are not served
        return [route("GET", "/agencies/{agency_id}/properties", self.list_properties, is_list=True)]

    def credentials(self) -> dict[str, Any]:
        return {"provider": self.provider_id, "token": self.token, "agencies": list(self.worlds)}

    def authenticate(self, request: Request) -> str:
        # HTTP basic auth, user the provider id, password the token (apimo.txt:218, :223-224)
        if request.headers.get("authorization") != self._authorization:
            raise self.error(401, "Invalid provider or token")
        return self.provider_id

    def presented_credential(self, request: Request) -> str:
        return self.token

    def shift_world(self, request: Request) -> World:
        return self.worlds[request.path.strip("/").split("/")[1]]

    def records(self, payload: Any) -> list[dict[str, Any]]:
        return payload["properties"]  # apimo.txt:43

    # ---- rendering ---------------------------------------------------------------------------
    def served_record(self, world: World, state: ListingState) -> dict[str, Any]:
        """A generated record (the document's example, outside every world, is not among them)."""
        record = self.render(world, state)
        return self.public(record) if self.public_mode else record

    def public(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record as public mode serves it: without the private-mode fields."""
        return {name: value for name, value in record.items() if name not in self.PRIVATE_MODE_FIELDS}

    def render(self, world: World, state: ListingState) -> dict[str, Any]:
        # Nested values taken from ``static`` are shared with the static cache: nothing may mutate them
        # (the record faults only touch top-level keys and the freshly built ``price``).
        static = world.static(state.idx)
        generator: ApimoGenerator = world.generator  # type: ignore[assignment]
        property_id = int(generator.listing_id(state.idx))
        category, price, closed = static["category"], state.price, state.status == "sold"

        def date(ts: int) -> str:
            return local_date(ts, TIMEZONE)

        comments = [
            {
                "language": "fr",
                "title": static["title_fr"],
                "subtitle": None,
                "hook": None,
                "comment": revised(static["comment_fr"], state.revision),
                "comment_full": None,
            }
        ]
        if static["english"]:
            comments.append(
                {
                    "language": "en",
                    "title": static["title_en"],
                    "subtitle": None,
                    "hook": None,
                    "comment": revised(static["comment_en"], state.revision),
                    "comment_full": None,
                }
            )
        picture_dir = f"https://pictures.apimo.sandbox/pictures/estate/{generator.agency_id}/{property_id}"
        energy = static["energy"]
        rates = (
            [
                {
                    "step": 2 if week % 3 == 1 else 1,
                    "start_at": date(start),
                    "end_at": date(start + 7 * DAY_SECONDS),
                    "price": price,
                    "days": 7,
                }
                for week, start in enumerate(state.created_at + (30 + 7 * n) * DAY_SECONDS for n in range(4))
            ]
            if category == SEASONAL
            else []
        )
        return {
            "id": property_id,  # an integer, as the example's (apimo.txt:240)
            "reference": str(1000 + state.idx),  # a string: "24367" (apimo.txt:240)
            "agency": generator.agency_id,  # apimo.txt:46
            "user": static["user"],  # a user id, as the example's "user":10 (apimo.txt:240), not :47's array
            "step": generator.open_world.status(state.idx, state.status) or STEPS[state.status],  # apimo.txt:64
            # private mode (apimo.txt:194-195), as the example sends them
            "status": LET_STATUS if closed and category != SALE else STATUSES[state.status],
            "group": 1,
            "parent": 0,  # apimo.txt:240
            "ranking": static["ranking"],  # 1 to 5 (apimo.txt:66)
            "category": category,
            "subcategory": static["subcategory"],
            "name": "",  # apimo.txt:240
            "type": static["type"],
            "subtype": static["subtype"],
            "agreement": {  # apimo.txt:72-76, dates as the example's (:240)
                "type": static["agreement_type"],
                "reference": f"M{property_id % ID_BLOCK:05d}",
                "start_at": date(state.created_at),
                "end_at": date(state.created_at + static["agreement_months"] * 30 * DAY_SECONDS),
            },
            "block_name": None,
            "lot_reference": static["lot_reference"],
            "cadastre_reference": static["cadastre_reference"],
            "stairs_reference": None,
            "address": None if static["address_hidden"] else static["address"],
            "address_more": static["address_more"],
            "publish_address": static["publish_address"],
            "country": "FR",  # ISO 3166-1 alpha-2 (apimo.txt:84)
            "region": {"id": REGION_IDS[static["region"]], "name": static["region"]},
            # apimo.txt:88-94, as objects like the example's (:240)
            "city": {"id": CITY_IDS[static["city"]], "name": static["city"], "zipcode": static["zipcode"]},
            "district": {"id": DISTRICT_IDS[static["district"]], "name": static["district"]},
            "location": static["location"],  # a number, as the example's "location":6 (apimo.txt:240), not :95's array
            "longitude": static["longitude"],
            "latitude": static["latitude"],
            "radius": static["radius"],  # "equal to 0 if publish_address is 1" (apimo.txt:99)
            "area": {  # apimo.txt:100-104
                "unit": 1,
                "value": static["area"],
                "total": static["area_total"],
                "weighted": round(static["area"] * 1.04, 2) if static["type"] == 1 else None,
            },
            "rooms": f"{static['rooms']:.1f}",  # a decimal (apimo.txt:105), as a string: "2.0" (:240)
            "bedrooms": static["bedrooms"],
            "sleeps": static["sleeps"],
            "price": {  # apimo.txt:108-128
                "value": price,
                "max": None,
                "fees": round(price * static["fee_rate"] / (1 + static["fee_rate"]))
                if category == SALE
                else static["charges"],
                "unit": 1,
                "period": {SALE: None, RENTAL: 1, SEASONAL: 2}[category],
                "hide": static["hide_price"],
                "inventory": round(static["area"] * 3) if category == RENTAL else None,
                "deposit": {
                    SALE: None,
                    RENTAL: price * (2 if static["subcategory"] == 22 else 1),
                    SEASONAL: price // 2,
                }[category],
                "currency": "EUR",  # ISO 4217 (apimo.txt:117)
                "commission": round(static["area"] * 12) if category == RENTAL else None,
                "commission_owner": None,
                "commission_customer": None,
                "contribution": None,
                "pension": None,
                "tenant": static["tenant"],
                "sold": price if closed and category == SALE else None,  # apimo.txt:124-125
                "sold_at": date(state.updated_at) if closed and category == SALE else None,
                "estimation": {"min": static["estimation"][0], "max": static["estimation"][1]},
            },
            "rates": rates,  # apimo.txt:129-134: step 1 available, 2 booked
            "residence": static["residence"],
            "view": static["view"],
            "construction": [],
            "floor": static["floor"],  # apimo.txt:138-142
            "heating": static["heating"],
            "water": static["water"],
            "condition": static["condition"],
            "standing": static["standing"],
            "style": static["style"],  # {"name": "RECENT"} (apimo.txt:147-148, :240)
            "url": None,
            "availability": 2 if static["occupied"] else 1,  # 1 free, 2 occupied
            "available_at": None
            if static["available_days"] is None
            else date(state.created_at + static["available_days"] * DAY_SECONDS),
            "delivered_at": None,
            "activities": [],
            "orientations": static["orientations"],
            "services": static["services"],
            "proximities": static["proximities"],
            "tags": static["tags"],
            "tags_customized": static["tags_customized"],  # apimo.txt:158-159
            "pictures": [  # apimo.txt:160-166
                {
                    "id": property_id * 100 + rank,
                    "rank": rank,
                    "url": f"{picture_dir}/{ids.scramble(state.idx * 100 + rank, generator.key):016x}_1024.jpg",
                    "width_max": width,
                    "height_max": height,
                    "comments": [],
                }
                for rank, (width, height) in enumerate(static["pictures"], 1)
            ],
            # apimo.txt:167-169, with the media types of :301
            "medias": [{"type": static["media"][0], "value": f"{static['media'][1]}{property_id}"}]
            if static["media"]
            else [],
            "comments": comments,  # apimo.txt:170-176
            "areas": static["areas"],  # apimo.txt:177-186
            "regulations": [
                {"type": 1, "value": energy[0], "date": date(state.created_at - energy[2] * DAY_SECONDS)},
                {"type": 2, "value": energy[1], "date": date(state.created_at - energy[2] * DAY_SECONDS)},
            ]
            if energy
            else [],
            "financial": [],
            # "2010-06-30 14:33:53" (apimo.txt:189-190, :240)
            "created_at": naive_local(state.created_at, TIMEZONE),
            "updated_at": naive_local(state.updated_at, TIMEZONE),
        }

    # ---- endpoint ------------------------------------------------------------------------------
    def _int_arg(self, request: Request, name: str, low: int, high: int | None = None) -> int | None:
        """A non-negative integer query parameter within [low, high], or None when absent."""
        raw = request.arg(name)
        if raw is None:
            return None
        if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
            raise self.error(400, f"{name} must be an integer between {low} and {high or 'infinity'}")
        return int(raw)

    def list_properties(self, request: Request, agency_id: str) -> Response:
        world = self.worlds.get(agency_id)
        if world is None:
            raise self.error(404, f"Agency {agency_id} not found")
        limit = self._int_arg(request, "limit", 1, MAX_LIMIT) or DEFAULT_LIMIT  # apimo.txt:35
        offset = self._int_arg(request, "offset", 0) or 0  # apimo.txt:36
        since = self._int_arg(request, "timestamp", 0)  # "created or updated since" (apimo.txt:37)
        # the document's example comes first (lowest id) wherever it belongs to the answer
        example_updated = parse_local(DOCUMENT_EXAMPLE["updated_at"])
        examples = (
            [json.loads(DOCUMENT_EXAMPLE_TEXT)]
            if agency_id == self.example_agency and (since is None or example_updated >= since)
            else []
        )
        properties = examples[offset : offset + limit]
        world_offset, world_limit = max(0, offset - len(examples)), limit - len(properties)
        with world.lock:
            if since is None:
                total, latest = world.listed_count, latest_update(world, world.version)
                states = world.page(world_offset, world_limit, newest_first=False)
            else:
                found, latest = updated_since(world, world.version, since)
                total = len(found)
                states = [world.state(idx) for idx in found[world_offset : world_offset + world_limit]]
            properties += [self.render(world, state) for state in states]
        if self.public_mode:
            properties = [self.public(record) for record in properties]
        if examples:
            total += len(examples)
            latest = max(example_updated, latest or example_updated)
        return Response(  # apimo.txt:41-43
            200, {"total_items": total, "timestamp": latest if latest is not None else since, "properties": properties}
        )


@dataclass(frozen=True)
class Options:
    # private mode (its `status` and `group` sent, as in the document's example) or public mode
    # (apimo.txt:192-210 lists the private-mode fields)
    public_mode: bool = option(False, "public mode: no private-mode field (apimo.txt:192-210), the status in step")
    # the document's example (apimo.txt:240) served byte for byte as the first agency's first record,
    # the host writing JSON the PHP way, as the example does; see the module docstring
    document_example: bool = option(True, "serve the document's example record (apimo.txt:240), JSON as PHP writes it")


def build(host: HostContext) -> ApimoApp:
    options: Options = host.options
    key = host.ids_key
    worlds = {
        agency: host.world(
            "apimo", agency, ApimoGenerator(key ^ stable_key("apimo", agency), int(agency), host.open_world)
        )
        for agency in host.sizes
    }
    return ApimoApp(
        worlds,
        provider_id=host.credentials.get("apimo_provider") or str(1000 + host.seed),
        token=host.secret("apimo_token"),
        public_mode=options.public_mode,
        document_example=options.document_example,
    )


def dlt_settings(info: Mapping[str, Any]) -> dict[str, str]:
    return {"PROVIDER": info["provider"], "TOKEN": info["token"], "AGENCIES": json.dumps(info["agencies"])}


SANDBOX = ProviderModule(
    sizes={"apimo": {"2841": 220, "3317": 180}},  # agency ids
    build=build,
    dlt_settings=dlt_settings,
    max_page_size=MAX_LIMIT,
    options=Options,
    open_world=OPEN_WORLD,
    updated_since=True,  # `timestamp`: records created or updated since (apimo.txt:37)
)
