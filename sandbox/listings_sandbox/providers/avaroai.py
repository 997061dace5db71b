"""AvaroAI sandbox: ``/api/v1/listings?page=N`` behind a Bearer key, 20 listings a page.

Document: ``provider_docs/avaroai.txt``. Where it is silent the sandbox chooses:
- only active listings are served (the document says "your organization's active listings"): a
  listing that goes pending, sold or withdrawn simply disappears from the feed;
- listings are ordered newest first, so a listing created during a scan shifts later pages;
- paging is Laravel's simple paginator, as the ``links``/``meta`` shape suggests: no total count,
  ``links.last`` is null, ``links.next`` is null on the last page, a page past the end is empty,
  and a page that is not a positive integer is read as page 1;
- the quota is a fixed window of 20 requests per 60 seconds per key (:28), counted after the key is
  checked (the ``rate_limit`` option: ``Options``); a 429 (:30) carries no Retry-After (the document
  promises none: "wait for the current window to expire");
- errors are Laravel's ``{"message": ...}``: 401 ``Unauthenticated.`` for a missing or wrong key (the
  document names no status but 429), 429 ``Too Many Attempts.``; the ``Accept`` header of the example
  (:24) is not required; the currency (EUR) is the organization's (:124) and is not sent;
- ``links`` and ``meta.path`` point back at the host the request named (``Host``), not at avaroai.com;
  on an empty page ``meta.from`` and ``meta.to`` are null, as Laravel sends them;
- the typed fields (:103-129) are null where the property type has none: bedrooms, bathrooms and
  reception_rooms of Land and Commercial, covered_area of Land, plot_size of all but villas, houses,
  bungalows and land; land is never a rental; ``custom_fields`` holds ``habitation_license`` (a year
  or null, as :72) and ``title_deeds``; ``rating`` is Standard, Premium (:54) or Luxury, ``parking``
  draws from Garage, Driveway (:114), Covered, Street and Communal; timestamps' microseconds are zero;
- photos: ``id`` a UUID, ``index`` 0, 1, 2... in order (:131, :136), the last of more than four is
  the floor plan; ``large`` and ``small`` (:138-139) are URLs on this host itself
  (``/storage/photos/<photo id>-v<version>-<size>.jpg``, the host the request named), which serve
  real JPEG bytes: small deterministic images, different per photo, version and size. An edit that
  leaves price and status alone (a revision) replaces the cover photo (index 0): it gets a new
  version, so a new URL and new bytes, as a CDN versions a replaced file. The document names no
  image host and promises none serves without the key, but hotlinking (:145) is only possible from a
  public URL: image requests carry no key, and the quota (:28, "API requests") counts them in one
  window of their own (the ``rate_limit`` option, the same as the API's); an unknown image is a 404;
- ``property`` is free text with examples (avaroai.txt:108: "e.g. Villa, Apartment, Townhouse"): the
  sandbox sends those three and House, Land and Commercial; with ``SandboxConfig.open_world`` (the
  default) about 1% of listings send a rarer word instead, ``Penthouse`` or ``Bungalow``
  (``OPEN_WORLD``). There is no status field: every listing served is active (:39).
"""

from __future__ import annotations

import hashlib
import io
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import ids
from ..formats import iso_utc
from ..locales import CYPRUS, STREETS, english_description, english_title, jitter, revised
from ..open_world import OpenWorld
from ..provider_module import HostContext, ProviderModule, option
from ..server import HttpError, ProviderApp, Request, Response, route
from ..world import ListingState, World

PAGE_SIZE = 20  # avaroai.txt:39 "(20 per page)", :96 "per_page": 20
QUOTA = (20, 60.0)  # "20 requests per minute" (avaroai.txt:28)
# avaroai.txt:108 gives only examples ("e.g. Villa, Apartment, Townhouse"); the sandbox's usual words
# add House, Land and Commercial, and these two are rarer still
OPEN_WORLD = {"property": ("Penthouse", "Bungalow")}
# Penthouse and Bungalow are open-world words now (open_world.py), sent on about 1% of listings
PROPERTIES = (
    ("Apartment", 41),
    ("Villa", 18),
    ("House", 19),
    ("Townhouse", 10),
    ("Land", 7),
    ("Commercial", 5),
)
PARKING = ("Garage", "Driveway", "Covered", "Street", "Communal")
COORDINATORS = ("Jane Smith", "Andreas Georgiou", "Maria Christodoulou", "Nikos Ioannou", "Elena Petrou")
CAPTIONS = ("Front exterior", "Living room", "Kitchen", "Master bedroom", "Bathroom", "Terrace", "View", "Pool")
PHOTOS_PER_LISTING, PHOTO_ID_SALT = 64, 0xF070  # a photo id encodes idx * 64 + its position
PHOTOS_PATH = "/storage/photos"  # where this host serves the photos' bytes (not an API path)
PHOTO_NAME = re.compile(r"^(?P<photo_id>[0-9a-f-]{36})-v(?P<version>\d+)-(?P<size>large|small)\.jpg$")
# (width, height) bounds of each size: small images, so a test mirrors hundreds in a second
PHOTO_SIZES = {"large": ((320, 480), (240, 360)), "small": ((96, 160), (72, 120))}


class AvaroAIGenerator(ids.UuidListingIds):
    property_field = "property"

    def __init__(self, key: int, open_world: bool = True) -> None:
        super().__init__(key)
        self.open_world = OpenWorld("avaroai", key, OPEN_WORLD, open_world)

    def static(self, rng: random.Random, idx: int) -> dict[str, Any]:
        place = rng.choice(CYPRUS)
        kinds, weights = zip(*PROPERTIES, strict=True)
        drawn = rng.choices(kinds, weights)[0]  # drawn in any case: the RNG stays in step
        kind = self.open_world.value(idx, "property") or drawn
        is_land, rental = kind == "Land", rng.random() < 0.2 and kind != "Land"
        covered = None if is_land else round(rng.uniform(45, 420), 2)
        bedrooms = None if kind in ("Land", "Commercial") else rng.choice((1, 2, 2, 3, 3, 4, 5))
        if rental:
            price = round(rng.uniform(650, 4500), -1)
        elif is_land:
            price = round(rng.uniform(60_000, 900_000), -3)
        else:
            price = round(covered * rng.uniform(1800, 5200), -3)  # type: ignore[operator]
        latitude, longitude = jitter(rng, place)
        photo_count = rng.randrange(0, 12)
        return {
            "listing_type": "rent" if rental else "sale",
            "currency": "EUR",
            "base_price": int(price),
            "private_reference": f"ORG-{idx + 1:04d}",  # avaroai.txt:50
            "public_reference": 10_000 + idx,  # an integer (avaroai.txt:106)
            "coordinator": rng.choice(COORDINATORS),
            "property": kind,
            "rating": rng.choice(("Standard", "Standard", "Premium", "Luxury")),
            "rental": rental,  # a boolean, true for a rental (avaroai.txt:110)
            "bedrooms": bedrooms,
            "bathrooms": None if bedrooms is None else max(1, bedrooms - rng.randrange(0, 2)),
            "reception_rooms": None if bedrooms is None else rng.randrange(1, 3),
            "parking": rng.sample(PARKING, rng.randrange(0, 3)),
            "plot_size": round(rng.uniform(150, 5000), 2) if kind in ("Villa", "House", "Bungalow", "Land") else None,
            "covered_area": covered,
            "title": english_title(rng, kind, place.city, bedrooms),
            "line_1": f"{rng.randrange(1, 120)} {rng.choice(STREETS['cy'])}",
            "line_2": rng.choice(place.neighbourhoods),
            "city": place.city,
            "region": place.region,
            "post_code": rng.choice(place.postal_codes),
            "coordinates": f"{latitude},{longitude}",  # one "lat,lng" string (avaroai.txt:68, :123)
            "description": english_description(rng, kind, place.city),
            "custom_fields": {
                "habitation_license": rng.choice((None, rng.randrange(1985, 2025))),
                "title_deeds": rng.choice(("Available", "Pending", "Separate")),
            },
            "photos": [
                {
                    "id": ids.to_uuid(idx * PHOTOS_PER_LISTING + n, self.key ^ PHOTO_ID_SALT),
                    "caption": rng.choice(CAPTIONS),
                    "index": n,
                    "floor_plan": n == photo_count - 1 and n > 3,
                }
                for n in range(photo_count)
            ],
        }


class AvaroAIApp(ProviderApp):
    name = "avaroai"
    base_path = "/api/v1"  # avaroai.txt:22, :41
    record_fields = {
        "id": ("id",),
        "price": ("published_price",),
        "updated_at": ("updated_at",),
        "property_type": ("property",),
    }
    newest_first = True

    def __init__(self, world: World, api_key: str, **kwargs: Any) -> None:
        super().__init__({world.account_id: world}, **kwargs)
        self.world, self.api_key = world, api_key

    def routes(self) -> list:
        # the only endpoint (avaroai.txt:41): no single-listing GET, no filters; the photos' bytes
        # are served without the key (a hotlink needs none, avaroai.txt:145)
        return [
            route("GET", "/api/v1/listings", self.list_listings, is_list=True),
            route("GET", PHOTOS_PATH + "/{name}", self.photo, public=True),
        ]

    def photo(self, request: Request, name: str) -> Response:
        """A photo's JPEG bytes (``large`` or ``small``, avaroai.txt:138-139); 404 for a name this host
        never served (a bad id, an unknown size or version)."""
        match = PHOTO_NAME.match(name)
        if match is None or not self._serves_photo(match["photo_id"], int(match["version"])):
            raise self.error(404, "Not Found.")
        body = photo_jpeg(match["photo_id"], int(match["version"]), match["size"])
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return Response(200, body, {"ETag": etag, "Cache-Control": "max-age=86400"}, content_type="image/jpeg")

    def _serves_photo(self, photo_id: str, version: int) -> bool:
        """Whether ``photo_id`` at ``version`` is, or was, a photo of a listing: a photo id encodes its
        listing's index and position (``static``); the cover's versions up to the listing's revision
        were each served once, every other photo has version 0 only."""
        number = ids.from_uuid(photo_id, self.world.generator.key ^ PHOTO_ID_SALT)
        if number is None:
            return False
        idx, position = divmod(number, PHOTOS_PER_LISTING)
        with self.world.lock:
            if not 0 <= idx < self.world.size or position >= len(self.world.static(idx)["photos"]):
                return False
            return version <= photo_version(position, self.world.state(idx).revision)

    def credentials(self) -> dict[str, Any]:
        return {"api_key": self.api_key, "account_id": self.world.account_id}

    def error(self, status: int, message: str) -> HttpError:
        return HttpError(status, {"message": message})

    def rate_limited(self, retry_after: float) -> HttpError:
        return HttpError(429, {"message": "Too Many Attempts."})

    def authenticate(self, request: Request) -> str:
        # avaroai.txt:16, :18: "Authorization: Bearer YOUR_API_KEY" on every request
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            raise self.error(401, "Unauthenticated.")
        return self.api_key

    def presented_credential(self, request: Request) -> str:
        return self.api_key

    def records(self, payload: Any) -> list[dict[str, Any]]:
        return payload["data"]  # avaroai.txt:47

    def served_record(self, world: World, state: ListingState) -> dict[str, Any]:
        return self.render(state, self.origin)

    # the photos' host when no request named one (records rendered without HTTP, for benchmarks)
    origin = "http://127.0.0.1"

    def render(self, state: ListingState, origin: str) -> dict[str, Any]:
        static = self.world.static(state.idx)
        listing_id = self.world.generator.listing_id(state.idx)
        fixed = (
            "private_reference",
            "public_reference",
            "coordinator",
            "property",
            "rating",
            "rental",
            "bedrooms",
            "bathrooms",
            "reception_rooms",
            "parking",
            "plot_size",
            "covered_area",
            "title",
            "line_1",
            "line_2",
            "city",
            "region",
            "post_code",
            "coordinates",
        )
        return {
            "id": listing_id,  # a string (avaroai.txt:104), a UUID here (:49 shows one cut short)
            **{name: static[name] for name in fixed},
            "published_price": state.price,  # an integer (avaroai.txt:124)
            "description": revised(static["description"], state.revision),
            "custom_fields": static["custom_fields"],
            "photos": [
                {**photo, **photo_urls(origin, photo["id"], photo_version(photo["index"], state.revision))}
                for photo in static["photos"]
            ],
            # avaroai.txt:82-83: "2026-01-15T10:30:00.000000Z"
            "created_at": iso_utc(state.created_at, 6),
            "updated_at": iso_utc(state.updated_at, 6),
        }

    def list_listings(self, request: Request) -> Response:
        raw_page = request.arg("page") or "1"  # avaroai.txt:39, :42
        page = int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1
        offset = (page - 1) * PAGE_SIZE
        with self.world.lock:
            states = self.world.page(offset, PAGE_SIZE, newest_first=True)
            has_more = offset + PAGE_SIZE < self.world.listed_count
        origin = f"{request.headers.get('x-forwarded-proto', 'http')}://{request.headers.get('host', '')}"
        path = origin + request.path
        return Response(  # the envelope of avaroai.txt:46-98
            200,
            {
                "data": [self.render(state, origin) for state in states],
                "links": {
                    "first": f"{path}?page=1",
                    "last": None,  # avaroai.txt:88
                    "prev": f"{path}?page={page - 1}" if page > 1 else None,
                    "next": f"{path}?page={page + 1}" if has_more else None,
                },
                "meta": {
                    "current_page": page,
                    "from": offset + 1 if states else None,
                    "path": path,
                    "per_page": PAGE_SIZE,
                    "to": offset + len(states) if states else None,
                },
            },
        )


def photo_version(position: int, revision: int) -> int:
    """A photo's version: the cover (position 0) is replaced at every revision of its listing."""
    return revision if position == 0 else 0


def photo_urls(origin: str, photo_id: str, version: int) -> dict[str, str]:
    """``large`` and ``small`` (avaroai.txt:138-139) of a photo at a version, on ``origin``."""
    return {size: f"{origin}{PHOTOS_PATH}/{photo_id}-v{version}-{size}.jpg" for size in ("large", "small")}


def photo_jpeg(photo_id: str, version: int, size: str) -> bytes:
    """A small JPEG, the same bytes for the same photo, version and size, different otherwise: its
    dimensions and colours come from a digest of the three."""
    from PIL import Image, ImageDraw  # only a host that serves photos pays Pillow's import

    digest = hashlib.sha256(f"{photo_id}|{version}|{size}".encode()).digest()
    (min_width, max_width), (min_height, max_height) = PHOTO_SIZES[size]
    width = min_width + int.from_bytes(digest[0:2]) % (max_width - min_width)
    height = min_height + int.from_bytes(digest[2:4]) % (max_height - min_height)
    image = Image.new("RGB", (width, height), tuple(digest[4:7]))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=tuple(digest[7:10]))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@dataclass(frozen=True)
class Options:
    rate_limit: tuple[int, float] | None = option(
        QUOTA, "documented, 20 requests a minute per key (avaroai.txt:28); a 429 without Retry-After"
    )


def build(host: HostContext) -> AvaroAIApp:
    world = host.world(
        "avaroai", "default", AvaroAIGenerator(host.ids_key, host.open_world), listed=frozenset({"active"})
    )
    return AvaroAIApp(world, api_key=host.secret("avaroai_api_key"), limiter=host.limiter())


def dlt_settings(info: Mapping[str, Any]) -> dict[str, str]:
    settings = {"API_KEY": info["api_key"]}
    if info.get("rate_limit"):  # pace to the quota this sandbox enforces
        requests, window = info["rate_limit"]
        settings |= {"MAX_REQUESTS_PER_WINDOW": str(requests), "RATE_WINDOW_SECONDS": str(window)}
    return settings


SANDBOX = ProviderModule(
    sizes={"avaroai": {"default": 200}},
    build=build,
    dlt_settings=dlt_settings,
    max_page_size=PAGE_SIZE,
    options=Options,
    open_world=OPEN_WORLD,
    documented_quota=QUOTA,
)
