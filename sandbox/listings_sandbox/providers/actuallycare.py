"""ActuallyCare sandbox: ``/v1/listings`` behind ``X-API-Key``, wrapped in the success envelope.

Document: ``provider_docs/actuallycare.txt``. Where it is silent the sandbox chooses:
- list records carry the full listing object (as in the PUT response), ``version`` included;
- ``data.stats`` aggregates the listings of the page (the whole result would cost a full pass
  over up to a million listings on every request);
- listings are ordered newest first;
- a page or limit outside the documented range answers 400 in the error envelope;
- the quota (undocumented) is 120 requests per 60-second window per key; 429 carries Retry-After;
- the error envelope is ``{"success": false, "error": {"code", "message"}, "timestamp"}``.
The write endpoints (POST, PUT, DELETE) are not served: the pipeline only reads.
"""

from __future__ import annotations

import random
from typing import Any

from .. import ids
from ..formats import iso_utc, local_date
from ..locales import STREETS, USA, english_description, jitter, revised
from ..server import HttpError, ProviderApp, Request, Response, route
from ..world import DAY_SECONDS, ListingState, World

STATUSES = ("active", "pending", "sold", "withdrawn", "expired")
PROPERTY_TYPES = (
    ("single_family", 55),
    ("condo", 20),
    ("townhouse", 12),
    ("multi_family", 6),
    ("land", 4),
    ("commercial", 3),
)
LABELS = {
    "single_family": "Single-Family Home",
    "condo": "Condo",
    "townhouse": "Townhouse",
    "multi_family": "Multi-Family Home",
    "land": "Lot",
    "commercial": "Commercial Property",
}


class ActuallyCareGenerator(ids.UuidListingIds):
    def static(self, rng: random.Random, idx: int) -> dict[str, Any]:
        place = rng.choice(USA)
        kinds, weights = zip(*PROPERTY_TYPES, strict=True)
        property_type = rng.choices(kinds, weights)[0]
        is_land = property_type == "land"
        square_feet = None if is_land else rng.randrange(650, 4600, 10)
        street = f"{rng.randrange(100, 9999)} {rng.choice(STREETS['us'])}"
        zip_code = rng.choice(place.postal_codes)
        price = rng.randrange(40, 400) * 1000 if is_land else round(square_feet * rng.uniform(160, 420), -3)  # type: ignore[operator]
        latitude, longitude = jitter(rng, place)
        return {
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
            "property_type": property_type,
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


class ActuallyCareApp(ProviderApp):
    name = "actuallycare"
    base_path = "/v1"
    record_fields = {
        "id": ("id",),
        "price": ("list_price",),
        "updated_at": ("updated_at",),
        "property_type": ("property_type",),
        "status": ("status",),
    }
    newest_first = True

    def __init__(self, world: World, api_key: str, **kwargs: Any) -> None:
        super().__init__({world.account_id: world}, **kwargs)
        self.world, self.api_key = world, api_key

    def routes(self) -> list:
        return [
            route("GET", "/v1/listings", self.list_listings, is_list=True),
            route("GET", "/v1/listings/{listing_id}", self.get_listing),
        ]

    def credentials(self) -> dict[str, Any]:
        return {"api_key": self.api_key, "account_id": self.world.account_id}

    def envelope(self, data: Any) -> dict[str, Any]:
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
        if request.headers.get("x-api-key") != self.api_key:
            raise self.error(401, "Authentication required")
        return self.api_key

    def presented_credential(self, request: Request) -> str:
        return self.api_key

    def records(self, payload: Any) -> list[dict[str, Any]]:
        return payload["data"]["listings"]

    # ---- rendering ---------------------------------------------------------------------------
    def render(self, state: ListingState) -> dict[str, Any]:
        world, static = self.world, self.world.static(state.idx)
        listing_id = world.generator.listing_id(state.idx)
        square_feet = static["square_feet"]
        return {
            "id": listing_id,
            "user_id": static["user_id"],
            "mls_number": static["mls_number"],
            "address": static["address"],
            "city": static["city"],
            "state": static["state"],
            "zip_code": static["zip_code"],
            "list_price": state.price,
            "status": state.status,
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
        page = self._int_arg(request, "page", 1, 1, None)
        limit = self._int_arg(request, "limit", 25, 1, 100)
        status = request.arg("status")
        if status is not None and status not in STATUSES:
            raise self.error(400, f"status must be one of {', '.join(STATUSES)}")
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
                    if (status is None or s.status == status)
                    and (min_price is None or s.price >= min_price)
                    and (max_price is None or s.price <= max_price)
                ]
                total, states = len(matching), matching[offset : offset + limit]
        total_pages = -(-total // limit)
        return Response(
            200,
            self.envelope(
                {
                    "listings": [self.render(s) for s in states],
                    "meta": {
                        "page": page,
                        "limit": limit,
                        "total": total,
                        "totalPages": total_pages,
                        "hasMore": page < total_pages,
                    },
                    "stats": self._stats(states),
                }
            ),
        )

    @staticmethod
    def _stats(states: list[ListingState]) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for state in states:
            by_status[state.status] = by_status.get(state.status, 0) + 1
        prices = [state.price for state in states]
        return {
            "count": len(states),
            "averagePrice": round(sum(prices) / len(prices)) if prices else None,
            "totalValue": sum(prices),
            "byStatus": by_status,
        }

    def get_listing(self, request: Request, listing_id: str) -> Response:
        state = self.world.lookup(listing_id)
        if state is None:
            raise self.error(404, f"Listing {listing_id} not found")
        return Response(200, self.envelope(self.render(state)))
