"""Enclosure/Koto HTTP: the key in the query string, and keyset paging on ``created_min``.

The API has no page parameter and no total, and returns at most 50 listings (``limit``,
enclosure_koto.txt:42). Sorted by ``created_at`` ascending (the default direction, :41), the next
page starts at the last listing's ``created_at``: ``created_min`` is inclusive (:63) and times have
whole seconds (the example, :22, and the datetime format, :227), so listings sharing the boundary
second are read again (change detection stores them once) rather than skipped.

A page that comes back full with every listing in one creation second ``S`` cannot be paged past:
``created_min=S`` would return it again, and ``S`` plus one second would skip the rest of ``S``. So
``S`` is read again in price slices. Each parameter of the search table is added "to filter the
results" (:28), read as AND (the sandbox agrees), so a slice is the search itself, constraints and
``filters`` alike, with ``created_min=S`` and a ``price_min``/``price_max`` pair. Both bounds are
inclusive integers (:48-49) and a price is an integer (:76), so ``[lo, m]`` and ``[m + 1, hi]``
share no listing and miss none. Price is the filter chosen because prices are nearly unique per
listing; the other range filters (:50-57) hold few distinct values, and their fields go without a
value on land (the sandbox serves none for lots), which a range filter would leave out. A slice whose answer holds fewer
than ``limit`` listings of ``S`` has given all of them (they sort first, :41, :63); one whose answer
is still all ``S`` is cut again at the median price of that answer:
- where the two middle prices differ, in two, ``[lo, m]`` and ``[m + 1, hi]``, so each half leaves
  out at least ``limit // 2`` listings the answer showed;
- where they are equal (``p``), in three, ``[lo, p - 1]``, ``[p, p]`` and ``[p + 1, hi]``. A
  one-price slice that still comes back full of ``S`` cannot be narrowed by price: the client sees
  ``limit`` listings of that second and price and cannot know whether more share them. The slice is
  reported in ``unread``, and the source then marks the scan incomplete, so it retires nothing. So
  is a second whose listings include one without an integer price (no price slice returns it), and
  a slice answered with prices outside its range (the filter was not applied; cutting again would
  not narrow the answer, so the cutting stops).
The slices start from the search's own ``price_min``/``price_max`` (``filters``), so they stay
inside them. Once every slice of ``S`` is read, keyset paging resumes at ``S`` plus one second.

Request bound: a second holding ``n >= limit`` listings of one search costs at most
``3 * n / (limit // 2) - 3`` requests after the page that found it (``split_request_bound``), 11 for
``n = 120`` at 50 a page, against about n / 49 for the same listings in ordinary seconds; 2 when
one cut in two suffices. Proof sketch: a slice is cut only when its answer is ``limit`` listings of
``S``, each range child of a cut leaves out at least ``h = limit // 2`` of them (``h + 1`` for a
three-way cut, whose middle slice is never cut again), so with ``T(n)`` the requests of a slice
holding n listings of ``S``, its own included, ``T(n) <= 3n / h - 2`` holds by induction for both
cuts. The bound assumes every listing has an integer price (:76). Cutting at the answer's median,
not at the middle of the price range, is what keeps it linear: halving ``[0, 10**9]`` would spend
about twenty requests before reaching the prices listings have.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from dlt_sources.common.http import data_path, provider_session, single_listing

from .settings import LISTINGS_PATH

log = logging.getLogger(__name__)

PriceRange = tuple[int | None, int | None]  # inclusive (enclosure_koto.txt:48-49); None: unbounded


def search_client(instance: str, account_id: str, base_url: str, key: str) -> RESTClient:
    return RESTClient(
        base_url=base_url + "/",
        headers={"Accept": "application/json"},
        auth=APIKeyAuth(name="key", api_key=key, location="query"),
        data_selector=data_path("data"),
        session=provider_session(instance, account_id),
    )


def listing_by_id(client: RESTClient, instance: str, account_id: str, listing_id: str) -> dict[str, Any] | None:
    """``GET /v1/listings/{id}`` (enclosure_koto.txt:15-25): the listing, or None (404, "There is no such
    listing")."""
    return single_listing(client, f"{LISTINGS_PATH}/{listing_id}", instance, account_id)


def query_params(search: dict[str, Any]) -> dict[str, Any]:
    """A search as the API reads it: booleans as ``true``/``false`` (enclosure_koto.txt:222-224; Python
    would send ``True``); lists stay lists, which requests sends as a repeated parameter
    (``?states=NY&states=NJ``, enclosure_koto.txt:213-214)."""
    return {name: str(value).lower() if isinstance(value, bool) else value for name, value in search.items()}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def split_request_bound(listings: int, limit: int) -> int:
    """The most requests the price slices of one creation second cost, after the page that found it
    full, when ``listings`` listings of the search share that second (see the module docstring)."""
    if listings < limit:
        return 0
    return 3 * listings // (limit // 2) - 3


def integer_price(record: dict[str, Any]) -> int | None:
    """The listing's price if it is an integer (enclosure_koto.txt:76), else None."""
    price = record.get("price")
    if isinstance(price, bool):
        return None
    if isinstance(price, float) and price.is_integer():
        return int(price)
    return price if isinstance(price, int) else None


class CreatedAtKeysetPaginator(BasePaginator):
    """Pages of ``limit`` listings by ``created_min`` on ``sort_by=created_at`` (ascending), reading a
    creation second with more than a page of listings in price slices (see the module docstring)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        if limit < 2:
            raise ValueError("a page must hold at least two listings to be cut in two")
        self.limit = limit
        self.created_min: str | None = None
        self.complete = False  # the last keyset page came back short: everything was listed
        self.unread: list[str] = []  # slices that could not be read whole, each described
        self._bounds: PriceRange = (None, None)  # the search's own price_min/price_max
        self._second: str | None = None  # the creation second being read in slices, as the API sent it
        self._slice: PriceRange = (None, None)  # the price range the last request asked for
        self._pending: list[PriceRange] = []  # slices of the second still to read, a stack
        self._slice_requests = 0

    def init_request(self, request: Request) -> None:
        self._bounds = self._slice = (_bound(request.params.get("price_min")), _bound(request.params.get("price_max")))
        self.update_request(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        records = data or []
        if self._second is None:
            if len(records) < self.limit:
                self.complete, self._has_next_page = True, False
                return
            first = records[0]["created_at"]
            if any(parse_time(record["created_at"]) != parse_time(first) for record in records):
                self.created_min = records[-1]["created_at"]
                return
            # a whole page in one second: created_min cannot pass it, so this answer is the first slice
            log.info("a full page of %d listings created at %s: reading that second in price slices", self.limit, first)
            self._second, self._slice_requests = first, 0
        else:
            self._slice_requests += 1
        self._pending.extend(reversed(self._cut(self._second, self._slice, records)))  # the lowest prices next
        if self._pending:
            self._slice = self._pending.pop()
            return
        log.info("created_at %s read in %d more requests, by price", self._second, self._slice_requests)
        self.created_min = _iso(parse_time(self._second) + timedelta(seconds=1))
        self._second, self._slice = None, self._bounds

    def update_request(self, request: Request) -> None:
        created_min = self._second or self.created_min
        if created_min is not None:
            request.params["created_min"] = created_min
        for name, value in zip(("price_min", "price_max"), self._slice, strict=True):
            if value is None:
                request.params.pop(name, None)
            else:
                request.params[name] = value

    def _cut(self, second: str, prices: PriceRange, records: list[dict[str, Any]]) -> list[PriceRange]:
        """The slices ``prices`` must be cut into, given the answer ``records`` to it: none when the
        answer holds every listing of ``second`` in that range, or when it cannot be cut."""
        at = parse_time(second)
        in_second = [record for record in records if parse_time(record["created_at"]) == at]
        if len(in_second) < self.limit:
            return []  # they sort before later seconds (enclosure_koto.txt:41, :63): all are here
        low, high = prices
        priced = sorted(price for price in map(integer_price, in_second) if price is not None)
        if len(priced) < len(in_second):
            self._report(f"created_at {second}: listings without an integer price, which no price slice returns")
        if any((low is not None and price < low) or (high is not None and price > high) for price in priced):
            self._report(f"created_at {second}: the API answered prices outside the {_shown(prices)} asked for")
            return []  # a filter not applied: cutting again would not narrow the answer
        if not priced:
            return []
        middle = max(len(priced) // 2, 1)
        below, above = priced[middle - 1], priced[min(middle, len(priced) - 1)]
        if below < above:
            return [(low, below), (below + 1, high)]
        if low == high:
            self._report(
                f"created_at {second}, price {below}: {self.limit} or more listings share one second and one "
                "price, which price_min/price_max cannot tell apart"
            )
            return []
        pieces = [(low, below - 1), (below, below), (below + 1, high)]
        return [(a, b) for a, b in pieces if a is None or b is None or a <= b]

    def _report(self, problem: str) -> None:
        if problem not in self.unread:
            log.warning("some listings may not have been read: %s", problem)
            self.unread.append(problem)


def _bound(value: Any) -> int | None:
    return None if value is None else int(value)


def _shown(prices: PriceRange) -> str:
    low, high = prices
    return f"prices {'-inf' if low is None else low}..{'inf' if high is None else high}"
