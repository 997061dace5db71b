"""One provider account's listings as deterministic, day-by-day state.

A listing is addressed by its index ``idx`` (creation order). Its static attributes (address, rooms,
texts...) are regenerated on demand from an RNG seeded by (seed, provider, account, idx), so the
sandbox never holds all listings at once: only listings that changed since day 0 carry an override
record. Memory is O(changes), which is what lets the sandbox serve a million listings.

Day 0 is the initial inventory. ``advance_day`` applies a seeded, realistic mix of changes with
timestamps spread across the new day; ``mutate_now`` applies one change at the current instant
(the fault switches use it to insert or remove a listing in the middle of a client's scan). Every
change is an ``Event``; ``truth`` and ``events`` report what the warehouse should have seen.

Three provider behaviours live here because they shape which listings exist and which are served;
a provider module turns them on for its worlds where its document calls for them:
- ``draft_percent``: that share of new listings start as ``draft`` and are published (``active``)
  one to three days later;
- ``serve_removed``: a removed listing stays served (a soft delete) instead of disappearing; the
  truth still calls it removed;
- ``burst_size``: that many listings are created in one and the same second on day 1 (for an API
  whose paging by creation time cannot step past more than a page of ties);
- ``relist_percent``: that share of new listings are re-listings: a home whose listing was removed or
  withdrawn comes back under a new id, at a new price (and, as the generator's ``relisted`` decides,
  maybe a new MLS number). A re-listing copies its origin's static attributes, so it stays one
  override-sized entry; ``home_id`` follows re-listings back to the first listing of the home.

Which real-world home a listing is (``home_id``, which the truth reports) is the generator's
``home_id(idx)`` where it lists homes other worlds list too (homes.py), else the listing's own.
"""

from __future__ import annotations

import bisect
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .open_world import OpenWorld

DAY_SECONDS = 86_400
DEFAULT_START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
# Initial listings were created over the year before day 0.
INITIAL_SPAN_SECONDS = 365 * DAY_SECONDS
CANONICAL_STATUSES = ("active", "pending", "sold", "withdrawn")
DRAFT = "draft"  # only worlds with a draft_percent have drafts
BURST_SECOND = 12 * 3600  # a burst's creation second: noon of day 1
_MASK64 = (1 << 64) - 1


def mix64(value: int) -> int:
    """splitmix64 finaliser: a fast, well-spread hash of an integer."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def stable_key(*parts: object) -> int:
    """A 64-bit key from strings and ints that is the same in every process (unlike hash())."""
    key = 0
    for part in parts:
        for byte in str(part).encode():
            key = mix64(key ^ byte)
        key = mix64(key ^ 0xFF)
    return key


@dataclass(frozen=True)
class ChangeMix:
    """Share of live listings touched by each kind of change on one simulated day.

    Every kind with a positive share happens at least once a day, so even a small world shows the
    whole mix.
    """

    new_listing: float = 0.03
    price_cut: float = 0.03
    price_rise: float = 0.01
    to_pending: float = 0.01
    to_sold: float = 0.006
    to_withdrawn: float = 0.004
    back_on_market: float = 0.004
    removed: float = 0.008
    edit_only: float = 0.02
    changed_twice: float = 0.003

    @property
    def total(self) -> float:
        return sum(getattr(self, name) for name in self.__dataclass_fields__)

    def scaled_to(self, share: float) -> ChangeMix:
        """The same kinds in the same proportions, touching about ``share`` of live listings a day
        (the benchmark's 1% and 10% days; 0, a day that changes nothing, its no-change day)."""
        if not 0 <= share <= 1:
            raise ValueError(f"a day's changed share must be in [0, 1], not {share}")
        factor = share / self.total
        return ChangeMix(**{name: getattr(self, name) * factor for name in self.__dataclass_fields__})


@dataclass
class ListingState:
    """The mutable part of a listing; everything else is derived from ``idx``."""

    idx: int
    created_at: int  # epoch seconds, UTC
    updated_at: int
    price: int
    status: str
    revision: int = 0  # bumps on edits that leave price and status alone
    removed_at: int | None = None
    change_count: int = 0  # every change, whatever it touched (a served record version counts these)
    status_at: int = 0  # when the status last changed (creation for a listing that never changed)
    price_history: list[tuple[int, int]] = field(default_factory=list)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


@dataclass(frozen=True)
class Event:
    day: int
    at: int
    idx: int
    kind: str  # new_listing | price_cut | price_rise | status_change | removed | edit
    old: Any = None
    new: Any = None


class ListingGenerator(Protocol):
    """What a provider module supplies to the world: its locale and its id scheme."""

    open_world: OpenWorld  # the undocumented values this world sends (open_world.py)
    property_field: str  # the key of ``static`` holding the served property type, as served

    def static(self, rng: random.Random, idx: int) -> dict[str, Any]:
        """Static attributes; must include ``base_price``, ``currency`` and ``listing_type``
        (sale, rent, short_term_rent or auction)."""

    def listing_id(self, idx: int) -> str:
        """The provider's id for a listing; must be reversible by ``listing_idx``."""

    def listing_idx(self, listing_id: str) -> int | None: ...


class SharedHomes(Protocol):
    """What a generator whose listings may be homes other worlds list too adds (homes.py)."""

    def home_id(self, idx: int) -> str | None:
        """The shared home listing ``idx`` is, or None for a home of its own."""

    def relisted(self, static: dict[str, Any], rng: random.Random, idx: int) -> dict[str, Any]:
        """A re-listing's static attributes (under the new ``idx``) from its origin's."""


def price_step(listing_type: str) -> int:
    """Rents move in tens, sale and auction prices in thousands."""
    return 10 if listing_type in ("rent", "short_term_rent") else 1000


def round_price(price: float, listing_type: str) -> int:
    step = price_step(listing_type)
    return max(step, int(round(price / step)) * step)


class World:
    """The listings of one provider account, advanced one simulated day at a time."""

    def __init__(
        self,
        *,
        provider: str,
        account_id: str,
        seed: int,
        initial_size: int,
        generator: ListingGenerator,
        listed_statuses: frozenset[str] = frozenset(CANONICAL_STATUSES),
        start: datetime = DEFAULT_START,
        mix: ChangeMix | None = None,
        draft_percent: int = 0,
        serve_removed: bool = False,
        burst_size: int = 0,
        relist_percent: int = 0,
    ) -> None:
        self.provider = provider
        self.account_id = account_id
        self.generator = generator
        self.listed_statuses = listed_statuses
        self.draft_percent = draft_percent
        self.serve_removed = serve_removed
        self.burst_size = burst_size
        self.relist_percent = relist_percent
        self.mix = mix or ChangeMix()
        self.start_ts = int(start.timestamp())
        self.day = 0
        self.size = initial_size  # listings ever created (idx is dense in [0, size))
        self.version = 0  # bumps on every mutation; lets servers cache per-state aggregates
        self.lock = threading.RLock()
        self._initial_size = initial_size
        self._key = stable_key(seed, provider, account_id)
        self._overrides: dict[int, ListingState] = {}
        self._events: list[Event] = []
        self._intraday_tick = 0
        self.static = lru_cache(maxsize=8192)(self._static)
        self._hidden: list[int] = []
        self._hidden_set: set[int] = set()
        # re-listing idx -> (the listing it re-lists, its price): O(changes), like the overrides
        self._relisted_from: dict[int, tuple[int, int]] = {}
        self._departed: list[int] = []  # removed or withdrawn listings a re-listing may bring back
        for idx in range(initial_size):
            if self._base_status(idx) not in listed_statuses:
                self._hidden.append(idx)
                self._hidden_set.add(idx)

    # ---- clock -------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """The sandbox's current instant: day 0 starts at ``start``; intraday mutations tick on."""
        return self.start_ts + self.day * DAY_SECONDS + self._intraday_tick

    # ---- derived base state --------------------------------------------------------------------
    def _hash(self, idx: int, salt: int) -> int:
        return mix64(self._key ^ mix64(idx * 0x100 + salt))

    def _static(self, idx: int) -> dict[str, Any]:
        rng = random.Random(self._hash(idx, 1))
        relisting = self._relisted_from.get(idx)
        if relisting is None:
            return self.generator.static(rng, idx)
        origin, price = relisting
        static = {**self.static(origin), "base_price": price}
        relisted = getattr(self.generator, "relisted", None)
        return relisted(static, rng, idx) if relisted is not None else static

    def relisted_from(self, idx: int) -> int | None:
        """The listing that ``idx`` re-lists (the same home, an earlier id), or None."""
        relisting = self._relisted_from.get(idx)
        return None if relisting is None else relisting[0]

    def home_id(self, idx: int) -> str:
        """The real-world home listing ``idx`` is: the same for its re-listings and, where the
        generator lists shared homes, for the other worlds' listings of the home."""
        root = idx
        while (origin := self.relisted_from(root)) is not None:
            root = origin
        shared = getattr(self.generator, "home_id", None)
        home = shared(root) if shared is not None else None
        return home or f"{self.provider}:{self.account_id}:{self.generator.listing_id(root)}"

    def _base_created_at(self, idx: int) -> int:
        # Every ninth listing shares its predecessor's timestamp: APIs paged by created_at must
        # cope with ties.
        j = idx - 1 if idx % 9 == 5 else idx
        return self.start_ts - INITIAL_SPAN_SECONDS + (j * INITIAL_SPAN_SECONDS) // max(1, self._initial_size)

    def _base_status(self, idx: int) -> str:
        return "pending" if self._hash(idx, 2) % 100 < 6 else "active"

    def _base_updated_at(self, idx: int) -> int:
        created = self._base_created_at(idx)
        return created + self._hash(idx, 3) % min(max(1, self.start_ts - created), 90 * DAY_SECONDS)

    def _base_state(self, idx: int) -> ListingState:
        created = self._base_created_at(idx)
        price = self.static(idx)["base_price"]
        return ListingState(
            idx,
            created,
            self._base_updated_at(idx),
            price,
            self._base_status(idx),
            price_history=[(created, price)],
            status_at=created,
        )

    def state(self, idx: int) -> ListingState:
        """The current state of a listing; callers outside ``lock`` must not mutate it."""
        override = self._overrides.get(idx)
        return override if override is not None else self._base_state(idx)

    def created_at(self, idx: int) -> int:
        override = self._overrides.get(idx)
        return override.created_at if override is not None else self._base_created_at(idx)

    def updated_at(self, idx: int) -> int:
        """Without building the listing: time-filtered endpoints scan this over every listing."""
        override = self._overrides.get(idx)
        return override.updated_at if override is not None else self._base_updated_at(idx)

    def is_listed_idx(self, idx: int) -> bool:
        """Whether the list endpoints serve the listing (see ``is_served``)."""
        return 0 <= idx < self.size and idx not in self._hidden_set

    # ---- visibility and paging -----------------------------------------------------------------
    # "Listed" names in this section (listed_count, iter_listed, page...) mean served: what the list
    # endpoints return. Only ``is_listed`` is the truth's sense: live, not removed.
    def is_listed(self, state: ListingState) -> bool:
        """Whether the listing is live: not removed, and in a status the provider lists."""
        return not state.is_removed and state.status in self.listed_statuses

    def is_served(self, state: ListingState) -> bool:
        """Whether the list endpoints serve the listing: a live one, or a soft-deleted one."""
        return self.serve_removed if state.is_removed else state.status in self.listed_statuses

    @property
    def listed_count(self) -> int:
        """How many listings the list endpoints serve."""
        return self.size - len(self._hidden)

    def _nth_listed_ascending(self, n: int) -> int:
        """The idx of the n-th (0-based) listed listing in creation order: O(log^2 size)."""
        lo, hi = n, n + len(self._hidden)
        while lo < hi:
            mid = (lo + hi) // 2
            if mid + 1 - bisect.bisect_right(self._hidden, mid) >= n + 1:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def page(self, offset: int, limit: int, newest_first: bool) -> list[ListingState]:
        """A slice of the listed listings in creation order (or its reverse), without a full scan."""
        with self.lock:
            total = self.listed_count
            if offset >= total or limit <= 0:
                return []
            out: list[ListingState] = []
            if newest_first:
                idx = self._nth_listed_ascending(total - 1 - offset)
                while idx >= 0 and len(out) < limit:
                    if idx not in self._hidden_set:
                        out.append(replace(self.state(idx)))
                    idx -= 1
            else:
                idx = self._nth_listed_ascending(offset)
                while idx < self.size and len(out) < limit:
                    if idx not in self._hidden_set:
                        out.append(replace(self.state(idx)))
                    idx += 1
            return out

    def first_idx_created_at_or_after(self, ts: int) -> int:
        """Binary search on creation time, which never decreases with idx."""
        lo, hi = 0, self.size
        while lo < hi:
            mid = (lo + hi) // 2
            if self.created_at(mid) < ts:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def iter_listed(self, start_idx: int = 0, newest_first: bool = False) -> Iterator[ListingState]:
        """Listed listings from ``start_idx`` on; for filtered endpoints, which may scan."""
        with self.lock:
            order = range(self.size - 1, -1, -1) if newest_first else range(start_idx, self.size)
            for idx in order:
                if idx not in self._hidden_set:
                    yield self.state(idx)

    def lookup(self, listing_id: str) -> ListingState | None:
        """A served listing by provider id, or None (unknown, removed or not listed)."""
        idx = self.generator.listing_idx(listing_id)
        if idx is None or not 0 <= idx < self.size:
            return None
        with self.lock:
            state = self.state(idx)
            return state if self.is_served(state) else None

    # ---- mutation -----------------------------------------------------------------------------
    def _set_hidden(self, idx: int, hidden: bool) -> None:
        if hidden and idx not in self._hidden_set:
            bisect.insort(self._hidden, idx)
            self._hidden_set.add(idx)
        elif not hidden and idx in self._hidden_set:
            self._hidden.pop(bisect.bisect_left(self._hidden, idx))
            self._hidden_set.discard(idx)

    def _override(self, idx: int) -> ListingState:
        if idx not in self._overrides:
            base = self._base_state(idx)
            self._overrides[idx] = replace(base, price_history=list(base.price_history))
        return self._overrides[idx]

    def _record(self, state: ListingState, event: Event) -> None:
        self._overrides[state.idx] = state
        self._set_hidden(state.idx, not self.is_served(state))
        self._events.append(event)
        self.version += 1

    def _create(self, at: int, day: int) -> ListingState:
        idx = self.size
        self.size += 1
        self._maybe_relist(idx)
        price = self.static(idx)["base_price"]
        status = DRAFT if self._starts_as_draft(idx) else "active"
        state = ListingState(idx, at, at, price, status, price_history=[(at, price)], status_at=at)
        self._record(state, Event(day, at, idx, "new_listing", None, price))
        return state

    def _maybe_relist(self, idx: int) -> None:
        """Make new listing ``idx`` a re-listing of a departed one, for ``relist_percent`` of new
        listings. Decided by hashes, not the day's RNG: a world without re-listings draws the same
        changes."""
        if not self.relist_percent or self._hash(idx, 7) % 100 >= self.relist_percent:
            return
        while self._departed:
            position = self._hash(idx, 8) % len(self._departed)
            self._departed[position], self._departed[-1] = self._departed[-1], self._departed[position]
            origin = self._departed.pop()
            state = self.state(origin)
            if state.is_removed or state.status == "withdrawn":  # not back on the market since
                static = self.static(origin)
                factor = 0.93 + (self._hash(idx, 9) % 1000) / 1000 * 0.11  # -7% to +4%
                self._relisted_from[idx] = (origin, round_price(state.price * factor, static["listing_type"]))
                return

    def _apply(self, kind: str, idx: int, at: int, day: int, rng: random.Random) -> None:
        state = self._override(idx)
        state.updated_at = at
        state.change_count += 1
        listing_type = self.static(idx)["listing_type"]
        if kind in ("price_cut", "price_rise"):
            factor = 1 - rng.uniform(0.02, 0.10) if kind == "price_cut" else 1 + rng.uniform(0.01, 0.05)
            old, state.price = state.price, round_price(state.price * factor, listing_type)
            if state.price == old:  # rounding ate the change: move one step
                state.price = old + (-1 if kind == "price_cut" else 1) * price_step(listing_type)
            state.price_history.append((at, state.price))
            event = Event(day, at, idx, kind, old, state.price)
        elif kind == "removed":
            state.removed_at = at
            event = Event(day, at, idx, "removed", state.status, None)
        elif kind == "edit":
            state.revision += 1
            event = Event(day, at, idx, "edit", state.revision - 1, state.revision)
        else:  # a status word
            old_status, state.status, state.status_at = state.status, kind, at
            event = Event(day, at, idx, "status_change", old_status, kind)
        self._record(state, event)
        if self.relist_percent and kind in ("removed", "withdrawn"):
            self._departed.append(idx)

    # Drafts are decided by hashes, not the day's RNG: a world without drafts draws the same changes.
    def _starts_as_draft(self, idx: int) -> bool:
        return self._hash(idx, 4) % 100 < self.draft_percent

    def _publication(self, idx: int, created_at: int) -> tuple[int, int]:
        """The day a draft is published (one to three days after the day it was created) and when."""
        created_day = (created_at - self.start_ts) // DAY_SECONDS + 1
        offset = 60 + self._hash(idx, 5) % (DAY_SECONDS - 3600)
        return created_day + 1 + self._hash(idx, 6) % 3, offset

    def _eligible(self) -> dict[str, list[int]]:
        """Live listings by what may happen to them today."""
        by_status: dict[str, list[int]] = {status: [] for status in (*CANONICAL_STATUSES, DRAFT)}
        for idx in range(self.size):
            override = self._overrides.get(idx)
            if override is None:  # no need to build the whole base state: status is enough
                by_status[self._base_status(idx)].append(idx)
            elif not override.is_removed:
                by_status[override.status].append(idx)
        return by_status

    def advance_day(self, mix: ChangeMix | None = None) -> list[Event]:
        """Move to the next day and apply its seeded mix of changes (``mix``, else the world's);
        returns the day's events."""
        with self.lock:
            self.day += 1
            self._intraday_tick = 0
            day, rng = self.day, random.Random(mix64(self._key ^ (self.day * 0x9E37)))
            day_start = self.start_ts + (day - 1) * DAY_SECONDS
            first_event = len(self._events)
            by_status = self._eligible()
            live = sum(len(v) for k, v in by_status.items() if k != "sold")
            mix = mix or self.mix

            def count(share: float) -> int:
                return max(1, round(share * live)) if share > 0 else 0

            taken: set[int] = set()

            def pick(pool: list[int], n: int) -> list[int]:
                free = [idx for idx in pool if idx not in taken]
                chosen = rng.sample(free, min(n, len(free)))
                taken.update(chosen)
                return chosen

            plan: list[tuple[str, int]] = []
            active, pending, withdrawn = by_status["active"], by_status["pending"], by_status["withdrawn"]
            for kind, pool, share in (
                ("price_cut", active + pending, mix.price_cut),
                ("price_rise", active, mix.price_rise),
                ("pending", active, mix.to_pending),
                ("sold", active + pending, mix.to_sold),
                ("withdrawn", active, mix.to_withdrawn),
                ("active", pending + withdrawn, mix.back_on_market),
                ("removed", active + pending + withdrawn, mix.removed),
                ("edit", active + pending, mix.edit_only),
            ):
                plan += [(kind, idx) for idx in pick(pool, count(share))]
            twice = pick(active, count(mix.changed_twice))
            times = sorted(rng.randrange(60, DAY_SECONDS - 3600) for _ in plan)
            rng.shuffle(plan)
            schedule = [(day_start + t, kind, idx) for t, (kind, idx) in zip(times, plan, strict=True)]
            for idx in twice:  # a morning price cut, then an afternoon status or price move
                morning = day_start + rng.randrange(3600, 40_000)
                schedule.append((morning, "price_cut", idx))
                schedule.append((morning + rng.randrange(3600, 30_000), rng.choice(["pending", "price_cut"]), idx))
            new_times = sorted(rng.randrange(60, DAY_SECONDS - 60) for _ in range(count(mix.new_listing)))
            schedule += [(day_start + t, "new_listing", -1) for t in new_times]
            for idx in by_status[DRAFT]:
                publish_day, offset = self._publication(idx, self.created_at(idx))
                if publish_day <= day:
                    schedule.append((day_start + offset, "active", idx))
            if day == 1:
                schedule += [(day_start + BURST_SECOND, "new_listing", -1)] * self.burst_size
            for at, kind, idx in sorted(schedule, key=lambda item: (item[0], item[2])):
                if kind == "new_listing":
                    self._create(at, day)
                else:
                    self._apply(kind, idx, at, day, rng)
            return self._events[first_event:]

    def mutate_now(self, kind: str, newest_first: bool = True) -> Event:
        """Apply one change at the current instant: ``new_listing`` or ``removed``.

        ``removed`` takes the listing a client met first in a scan (the newest, or the oldest),
        which shifts every later page by one.
        """
        with self.lock:
            self._intraday_tick += 1
            at, day = self.now, self.day
            if kind == "new_listing":
                self._create(at, day)
            else:  # a soft-deleted listing is still served, but cannot be removed again
                order = range(self.size - 1, -1, -1) if newest_first else range(self.size)
                victim = next(
                    (idx for idx in order if self.is_listed_idx(idx) and not self.state(idx).is_removed), None
                )
                if victim is None:
                    raise ValueError(f"{self.provider}/{self.account_id}: nothing left to remove")
                self._apply("removed", victim, at, day, random.Random(at))
            return self._events[-1]

    # ---- truth ---------------------------------------------------------------------------------
    def events(self, day: int | None = None) -> list[Event]:
        with self.lock:
            return [e for e in self._events if day is None or e.day == day]

    def truth(self, to_record: Callable[[ListingState], dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Every listing ever created, current state, rendered by ``to_record``."""
        for idx in range(self.size):
            with self.lock:
                state = self.state(idx)
            yield to_record(state)
