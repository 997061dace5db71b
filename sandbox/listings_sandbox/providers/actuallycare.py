"""ActuallyCare sandbox: ``/v1/listings`` behind ``X-API-Key``, wrapped in the success envelope.

Document: ``provider_docs/actuallycare.txt``. Endpoints: the list ``GET /v1/listings`` (page, limit,
status, minPrice, maxPrice; actuallycare.txt:14-25) and the detail ``GET /v1/listings/{id}`` (:127).

Which fields a record carries is a reading of three examples that disagree
(the ``records`` option, ``Options`` below):
- ``"full"`` (default): list and detail records are the full object of the PUT response
  (actuallycare.txt:214-243), ``version`` included: the list and detail examples are abridged;
- ``"summary"``: list records carry exactly the 12 fields of the list example (:48-59); the detail
  is the full object (the detail example, :154-167, read as abridged);
- ``"document"``: list records as in ``"summary"``; the detail carries exactly the 14 fields of its
  example (:154-167: the 12, ``year_built`` and ``version``).
``version`` (:118, :167, :186, :240) is 1 when the listing is created and goes up by one with every
change the sandbox makes to it: price, status, or an edit. An edit (the world's ``edit`` event)
revises the description and, every other time, adds a photo, leaving price and status alone: no field
of the 12-field summary changes, so a client reading summaries alone misses it. The truth's
``version`` and ``revision`` (how many edits) say what the latest state is.

Where the document is silent the sandbox chooses:
- ``data.stats`` (:30 names it, with no shape) is ``{count, averagePrice, totalValue, byStatus}``
  over the listings of the page (the whole result would cost a full pass over up to a million
  listings on every request); ``averagePrice`` is null on an empty page;
- listings are ordered newest first; sold and withdrawn listings stay in the list (with their
  status, which the ``status`` filter selects, :21); a removed listing is gone from the list, and
  its detail answers 404 in the error envelope (:139, :251);
- a page or limit outside the documented range answers 400 in the error envelope, as does a
  ``status`` outside :21 or a ``minPrice``/``maxPrice`` that is not a number; the price bounds are
  inclusive; a page past the last is 200 with no listings; ``totalPages`` is 0 when nothing matches;
- ``expired`` (:21) is accepted as a filter, but no sandbox listing ever expires; every listing is
  for sale (the document knows no rentals);
- a detail id that is not a UUID (:132) answers 404, as an unknown one does;
- the quota (undocumented) is 120 requests per 60-second window per key, shared by list and detail
  requests (the 429 is documented for both, :32 and :140); 429 carries Retry-After (the ``rate_limit``
  option);
- the error envelope ("the standard envelope — see Errors", :10, a section our copy lacks) is
  ``{"success": false, "error": {"code", "message"}, "timestamp"}``; the envelope's ``timestamp``
  (:70) is the sandbox's simulated now, not the wall clock;
- full-record fields the document only shows by example (:214-243): ``user_id`` a UUID, ``photos``
  URL strings (one more after every other edit), ``listing_date`` the creation date (UTC) and
  ``expiration_date`` 180 days later, ``days_on_market`` whole days since creation, ``price_per_sqft``
  the price over ``square_feet`` rounded to a whole dollar, ``lot_size`` in acres (no unit is given;
  :228's 0.5 reads as acres), ``virtual_tour_url`` null on half the listings; land has 0 bedrooms
  and 0 bathrooms, and null ``square_feet``, ``year_built`` and ``price_per_sqft``;
- open world (``SandboxConfig.open_world``): ``property_type`` is one of the six examples of :82,
  or, on about 1% of listings, ``manufactured`` or ``mobile_home``; ``status`` is one of :21, or,
  on about 1% of listings while active, ``coming_soon`` or ``contingent`` (listed, served, and
  refused as a ``status`` filter like any word outside :21).
Homes on several portals (homes.py): about 19% of listings are homes of the shared US pool, which
Enclosure or Koto list too. ActuallyCare shows a pool home in its own way: the whole address in one
string, as the examples do (actuallycare.txt:50, :102), the unit after the street as "Apt 4B" or
"#4B" (the document has no unit field: a sandbox choice), the living area in square feet (:59)
remeasured within 2% and rounded to 50, the home's MLS number (:49) but now and then none (null) or
one of its own; no coordinates are served (the document has none), so a matcher has the address and
ZIP code alone. A listing's own MLS number is "ML" and eight digits as :49 shows, one-to-one with the
listing below 60000000 (the pool's start from there). A fifth of new listings are re-listings (world.py's
``relist_percent``): a removed or withdrawn home back under a new id (a new UUID, :48), half of them
with a new MLS number.
The write endpoints (POST, PUT, DELETE) are not served: the pipeline only reads.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import ids
from ..formats import iso_utc, local_date
from ..homes import Home, HomePool, listed_mls_number, remeasured, unique_number
from ..locales import STREETS, USA, english_description, jitter, revised
from ..open_world import OpenWorld
from ..provider_module import HostContext, ProviderModule, option
from ..server import HttpError, ProviderApp, Request, Response, route
from ..world import DAY_SECONDS, ListingState, World

STATUSES = ("active", "pending", "sold", "withdrawn", "expired")
RECORD_READINGS = ("full", "summary", "document")
MAX_LIMIT = 100  # "Default: 25 · Max: 100 · Min: 1" (actuallycare.txt:16, :25)
# actuallycare.txt:82 gives property types as examples, :21 and :185 the five statuses
OPEN_WORLD = {"property_type": ("manufactured", "mobile_home"), "status": ("coming_soon", "contingent")}
# the list example's fields, in its order (actuallycare.txt:48-59)
SUMMARY_FIELDS = (
    "id",
    "mls_number",
    "address",
    "city",
    "state",
    "zip_code",
    "list_price",
    "status",
    "property_type",
    "bedrooms",
    "bathrooms",
    "square_feet",
)
DETAIL_EXAMPLE_FIELDS = (*SUMMARY_FIELDS, "year_built", "version")  # actuallycare.txt:154-167
PROPERTY_TYPES = (
    ("single_family", 55),
    ("condo", 20),
    ("townhouse", 12),
    ("multi_family", 6),
    ("land", 4),
    ("commercial", 3),
)
# pool homes' kinds (homes.py) in this provider's words (actuallycare.txt:82)
HOME_KINDS = {"single_family": "single_family", "condominium": "condo", "townhouse": "townhouse"}
OWN_MLS_BASE, OWN_MLS_SPAN = 10_000_000, 50_000_000  # "ML" + 8 digits, below the pool's (homes.py)
RELIST_PERCENT = 20  # of new listings: a removed or withdrawn home back under a new id
LABELS = {
    "single_family": "Single-Family Home",
    "condo": "Condo",
    "townhouse": "Townhouse",
    "multi_family": "Multi-Family Home",
    "land": "Lot",
    "commercial": "Commercial Property",
}


class ActuallyCareGenerator(ids.UuidListingIds):
    property_field = "property_type"

    def __init__(self, key: int, open_world: bool = True, homes: HomePool | None = None) -> None:
        super().__init__(key)
        self.homes = homes
        self.open_world = OpenWorld("actuallycare", key, OPEN_WORLD, open_world)

    def own_mls_number(self, idx: int) -> str:
        """A listing's own MLS number, "ML81992437" (actuallycare.txt:49), which no other listing shares."""
        return f"ML{unique_number(idx, self.key, OWN_MLS_BASE, OWN_MLS_SPAN)}"

    def home_id(self, idx: int) -> str | None:
        number = self.homes.home_number("actuallycare", idx) if self.homes else None
        return None if number is None else self.homes.home(number).home_id  # type: ignore[union-attr]

    def relisted(self, static: dict[str, Any], rng: random.Random, idx: int) -> dict[str, Any]:
        """A re-listing: the same home and texts; half the time a new MLS number of its own."""
        return {**static, "mls_number": self.own_mls_number(idx)} if rng.random() < 0.5 else static

    def pool_home(self, rng: random.Random, home: Home, own_number: str, unlisted: str | None) -> dict[str, Any]:
        """The attributes of a shared pool home as ActuallyCare shows it (see the module docstring)."""
        street = f"{home.street_number} {home.street}"
        if home.unit is not None:
            street += f" {rng.choice(('Apt ', '#'))}{home.unit}"
        return {
            "base_price": home.price,
            "mls_number": listed_mls_number(rng, home, own_number),
            "address": f"{street}, {home.place.city}, {home.place.state} {home.zip_code}",
            "city": home.place.city,
            "state": home.place.state,
            "zip_code": home.zip_code,
            "latitude": home.latitude,
            "longitude": home.longitude,
            "property_type": unlisted or HOME_KINDS[home.kind],
            "bedrooms": home.bedrooms,
            "bathrooms": home.bathrooms,
            "square_feet": remeasured(rng, home.square_feet, 50),
            "year_built": home.year_built,
        }

    def static(self, rng: random.Random, idx: int) -> dict[str, Any]:
        place = rng.choice(USA)
        kinds, weights = zip(*PROPERTY_TYPES, strict=True)
        drawn = rng.choices(kinds, weights)[0]  # drawn in any case: the RNG stays in step
        unlisted = self.open_world.value(idx, "property_type")
        property_type = "single_family" if unlisted else drawn  # an unlisted type is built as a house
        is_land = property_type == "land"
        square_feet = None if is_land else rng.randrange(650, 4600, 10)
        street = f"{rng.randrange(100, 9999)} {rng.choice(STREETS['us'])}"
        zip_code = rng.choice(place.postal_codes)
        price = rng.randrange(40, 400) * 1000 if is_land else round(square_feet * rng.uniform(160, 420), -3)  # type: ignore[operator]
        latitude, longitude = jitter(rng, place)
        static = {
            "listing_type": "sale",
            "currency": "USD",
            "base_price": int(price),
            "user_id": ids.to_uuid(rng.randrange(40), self.key ^ 0xA6E27),
            "mls_number": f"ML{rng.randrange(10_000_000, 99_999_999)}",
            "address": f"{street}, {place.city}, {place.state} {zip_code}",
            "city": place.city,
            "state": place.state,
            "zip_code": zip_code,
            "latitude": latitude,
            "longitude": longitude,
            "property_type": unlisted or property_type,
            "bedrooms": 0 if is_land else rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5)),
            "bathrooms": 0 if is_land else rng.choice((1.0, 1.5, 2.0, 2.0, 2.5, 2.5, 3.0, 3.5)),
            "square_feet": square_feet,
            "lot_size": round(rng.uniform(0.5, 40), 2) if is_land else round(rng.uniform(0.05, 1.5), 2),
            "year_built": None if is_land else rng.randrange(1920, 2025),
            "description": english_description(rng, LABELS[property_type], place.city),
            "photo_count": rng.randrange(0, 16),
            "virtual_tour_url": rng.choice((None, f"https://tours.actuallycare.sandbox/{idx}")),
            "showing_instructions": rng.choice(
                ("Call listing agent", "Lockbox on side door", "24h notice required", "Go direct")
            ),
        }
        static["mls_number"] = self.own_mls_number(idx)  # drawn above only to keep the RNG in step
        number = self.homes.home_number("actuallycare", idx) if self.homes else None
        if number is not None:
            static.update(self.pool_home(rng, self.homes.home(number), static["mls_number"], unlisted))  # type: ignore[union-attr]
        return static


class ActuallyCareApp(ProviderApp):
    name = "actuallycare"
    base_path = "/v1"  # https://api.actuallycare.com/v1 (actuallycare.txt:10)
    record_fields = {
        "id": ("id",),
        "price": ("list_price",),
        "updated_at": ("updated_at",),
        "property_type": ("property_type",),
        "status": ("status",),
    }
    newest_first = True

    def __init__(self, world: World, api_key: str, records: str = "full", **kwargs: Any) -> None:
        if records not in RECORD_READINGS:
            raise ValueError(f"the actuallycare option records must be one of {RECORD_READINGS}, not {records!r}")
        super().__init__({world.account_id: world}, **kwargs)
        self.world, self.api_key, self.reading = world, api_key, records

    def routes(self) -> list:
        return [
            route("GET", "/v1/listings", self.list_listings, is_list=True),  # actuallycare.txt:14
            route("GET", "/v1/listings/{listing_id}", self.get_listing),  # :127
        ]

    def credentials(self) -> dict[str, Any]:
        return {"api_key": self.api_key, "account_id": self.world.account_id}

    def envelope(self, data: Any) -> dict[str, Any]:
        # actuallycare.txt:43-45, :70: "timestamp": "2026-07-01T22:45:03.120Z"
        return {"success": True, "data": data, "timestamp": iso_utc(self.world.now, 3)}

    def error(self, status: int, message: str) -> HttpError:
        codes = {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 404: "NOT_FOUND", 429: "RATE_LIMIT_EXCEEDED"}
        return HttpError(
            status,
            {
                "success": False,
                "error": {"code": codes.get(status, "INTERNAL_ERROR"), "message": message},
                "timestamp": iso_utc(self.world.now, 3),
            },
        )

    def rate_limited(self, retry_after: float) -> HttpError:
        error = self.error(429, "Rate limit exceeded, retry after the window resets")
        error.headers["Retry-After"] = str(max(1, round(retry_after)))
        return error

    def authenticate(self, request: Request) -> str:
        # the X-API-Key header (actuallycare.txt:39); missing or wrong: 401 (:31)
        if request.headers.get("x-api-key") != self.api_key:
            raise self.error(401, "Authentication required")
        return self.api_key

    def presented_credential(self, request: Request) -> str:
        return self.api_key

    def records(self, payload: Any) -> list[dict[str, Any]]:
        return payload["data"]["listings"]  # "records under data.listings" (actuallycare.txt:30)

    # ---- rendering ---------------------------------------------------------------------------
    def status(self, state: ListingState) -> str:
        """The status as served: the world's, or an open-world word while the listing is active."""
        return self.world.generator.open_world.status(state.idx, state.status) or state.status

    def served_record(self, world: World, state: ListingState) -> dict[str, Any]:
        return self.list_record(state)

    def list_record(self, state: ListingState) -> dict[str, Any]:
        record = self.render(state)
        return record if self.reading == "full" else {name: record[name] for name in SUMMARY_FIELDS}

    def detail_record(self, state: ListingState) -> dict[str, Any]:
        record = self.render(state)
        return record if self.reading != "document" else {name: record[name] for name in DETAIL_EXAMPLE_FIELDS}

    def render(self, state: ListingState) -> dict[str, Any]:
        """The full object, as the PUT response shows it (actuallycare.txt:214-243)."""
        world, static = self.world, self.world.static(state.idx)
        listing_id = world.generator.listing_id(state.idx)
        square_feet = static["square_feet"]
        return {
            "id": listing_id,  # a UUID (actuallycare.txt:48, :132)
            "user_id": static["user_id"],
            "mls_number": static["mls_number"],  # "ML81992437" (actuallycare.txt:49)
            "address": static["address"],  # the whole address in one string (actuallycare.txt:50)
            "city": static["city"],
            "state": static["state"],
            "zip_code": static["zip_code"],
            "list_price": state.price,  # USD (actuallycare.txt:81)
            "status": self.status(state),  # actuallycare.txt:21, :185
            "property_type": static["property_type"],
            "bedrooms": static["bedrooms"],
            "bathrooms": static["bathrooms"],
            "square_feet": square_feet,
            "lot_size": static["lot_size"],
            "year_built": static["year_built"],
            "description": revised(static["description"], state.revision),
            "listing_date": local_date(state.created_at),
            "expiration_date": local_date(state.created_at + 180 * DAY_SECONDS),
            "photos": [
                f"https://media.actuallycare.sandbox/listings/{listing_id}/{n}.jpg"
                for n in range(static["photo_count"] + state.revision % 2)
            ],
            "virtual_tour_url": static["virtual_tour_url"],
            "showing_instructions": static["showing_instructions"],
            "days_on_market": max(0, (world.now - state.created_at) // DAY_SECONDS),
            "price_per_sqft": round(state.price / square_feet) if square_feet else None,
            "version": 1 + state.change_count,
            # "2026-07-15T14:32:10.000Z" (actuallycare.txt:119-120, :241-242)
            "created_at": iso_utc(state.created_at, 3),
            "updated_at": iso_utc(state.updated_at, 3),
        }

    # ---- endpoints -----------------------------------------------------------------------------
    def _int_arg(self, request: Request, name: str, default: int, low: int, high: int | None) -> int:
        raw = request.arg(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise self.error(400, f"{name} must be an integer") from None
        if value < low or (high is not None and value > high):
            raise self.error(400, f"{name} must be between {low} and {high or 'infinity'}")
        return value

    def _price_arg(self, request: Request, name: str) -> float | None:
        raw = request.arg(name)
        if raw is None:
            return None
        try:
            return float(raw)
        except ValueError:
            raise self.error(400, f"{name} must be a number") from None

    def list_listings(self, request: Request) -> Response:
        page = self._int_arg(request, "page", 1, 1, None)  # "Default: 1 · Min: 1" (actuallycare.txt:24)
        limit = self._int_arg(request, "limit", 25, 1, MAX_LIMIT)  # "Default: 25 · Max: 100 · Min: 1" (:16, :25)
        status = request.arg("status")  # actuallycare.txt:21
        if status is not None and status not in STATUSES:
            raise self.error(400, f"status must be one of {', '.join(STATUSES)}")
        # numbers (actuallycare.txt:22-23)
        min_price, max_price = self._price_arg(request, "minPrice"), self._price_arg(request, "maxPrice")
        world, offset = self.world, (page - 1) * limit
        with world.lock:
            if status is None and min_price is None and max_price is None:
                total = world.listed_count
                states = world.page(offset, limit, newest_first=True)
            else:
                matching = [
                    s
                    for s in world.iter_listed(newest_first=True)
                    if (status is None or self.status(s) == status)
                    and (min_price is None or s.price >= min_price)
                    and (max_price is None or s.price <= max_price)
                ]
                total, states = len(matching), matching[offset : offset + limit]
        total_pages = -(-total // limit)
        return Response(
            200,
            self.envelope(
                {
                    "listings": [self.list_record(s) for s in states],
                    "meta": {  # actuallycare.txt:62-68
                        "page": page,
                        "limit": limit,
                        "total": total,
                        "totalPages": total_pages,
                        "hasMore": page < total_pages,
                    },
                    "stats": self._stats([self.status(s) for s in states], [s.price for s in states]),
                }
            ),
        )

    @staticmethod
    def _stats(statuses: list[str], prices: list[int]) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for status in statuses:
            by_status[status] = by_status.get(status, 0) + 1
        return {
            "count": len(prices),
            "averagePrice": round(sum(prices) / len(prices)) if prices else None,
            "totalValue": sum(prices),
            "byStatus": by_status,
        }

    def get_listing(self, request: Request, listing_id: str) -> Response:
        state = self.world.lookup(listing_id)
        if state is None:
            raise self.error(404, f"Listing {listing_id} not found")  # actuallycare.txt:139
        return Response(200, self.envelope(self.detail_record(state)))  # actuallycare.txt:151-153


@dataclass(frozen=True)
class Options:
    rate_limit: tuple[int, float] | None = option(
        (120, 60.0), "undocumented, the sandbox's choice; a 429 with Retry-After (actuallycare.txt:32)"
    )
    # the record shapes: "full" (list and detail: the PUT response's object), "summary" (list: the 12
    # fields of the list example; detail: full), "document" (list: 12; detail: the 14 fields of the
    # detail example); see the module docstring
    records: str = option("full", "full, summary or document: which fields list and detail records carry")

    def __post_init__(self) -> None:
        if self.records not in RECORD_READINGS:
            raise ValueError(f"the actuallycare option records must be one of {RECORD_READINGS}, not {self.records!r}")


def build(host: HostContext) -> ActuallyCareApp:
    world = host.world(
        "actuallycare",
        "default",
        ActuallyCareGenerator(host.ids_key, host.open_world, homes=HomePool(host.seed)),
        relist_percent=RELIST_PERCENT,
    )
    options: Options = host.options
    return ActuallyCareApp(
        world, api_key=host.secret("actuallycare_api_key"), records=options.records, limiter=host.limiter()
    )


def dlt_settings(info: Mapping[str, Any]) -> dict[str, str]:
    return {"API_KEY": info["api_key"]}


SANDBOX = ProviderModule(
    sizes={"actuallycare": {"default": 300}},
    build=build,
    dlt_settings=dlt_settings,
    max_page_size=MAX_LIMIT,
    options=Options,
    open_world=OPEN_WORLD,
    volatile_fields=("days_on_market",),  # whole days since creation: it moves every day
)
