"""What a faithful warehouse must end up showing, listing by listing: the truth record.

Keys: ``provider``, ``account_id``, ``source_listing_id``; ``status`` (the world's status word:
active, pending, sold, withdrawn, or draft where a provider has drafts; an open-world listing's raw
served value instead while it shows one, see open_world.py; a removed listing keeps its last status);
``is_listed`` (live: not removed, and in a status the provider lists; an unknown status is never a
removal); ``price``, ``currency``, ``listing_type``; ``property_type`` (the raw value of the provider's
property field as served: the field its generator's ``property_field`` names); ``created_at``,
``updated_at``, ``removed_at`` (UTC ISO 8601, ``removed_at`` null while live); ``price_history``;
``version`` (1 at creation, plus one per change the sandbox made: a provider that serves a record
version serves exactly this); ``revision`` (how many of those changes were edits that left price and
status alone: texts and photos; the served descriptions end in "(Updated, revision N.)"); ``home_id``
(the real-world home the listing is: the same for every listing of one home, in this source or
another, so a matcher's pairs can be scored for precision and recall; see homes.py and world.py's
re-listings; a listing served outside every world is a home of its own).
"""

from __future__ import annotations

from typing import Any

from .formats import iso_utc
from .world import ListingState, World


def listing_truth(
    *,
    provider: str,
    account_id: str,
    listing_id: str,
    state: ListingState,
    status: Any,
    is_listed: bool,
    static: dict[str, Any],
    property_type: Any,
    home_id: str | None = None,
) -> dict[str, Any]:
    """``home_id`` None: the listing is a home of its own, named after the listing."""
    return {
        "provider": provider,
        "account_id": account_id,
        "source_listing_id": listing_id,
        "status": status,
        "is_listed": is_listed,
        "price": state.price,
        "currency": static["currency"],
        "listing_type": static["listing_type"],
        "property_type": property_type,
        "created_at": iso_utc(state.created_at),
        "updated_at": iso_utc(state.updated_at),
        "removed_at": iso_utc(state.removed_at) if state.removed_at is not None else None,
        "price_history": [{"at": iso_utc(at), "price": price} for at, price in state.price_history],
        "version": 1 + state.change_count,
        "revision": state.revision,
        "home_id": home_id or f"{provider}:{account_id}:{listing_id}",
    }


def truth_record(world: World, state: ListingState) -> dict[str, Any]:
    """A listing's canonical state: what a faithful warehouse must end up showing."""
    static, generator = world.static(state.idx), world.generator
    unlisted_status = generator.open_world.status(state.idx, state.status)
    return listing_truth(
        provider=world.provider,
        account_id=world.account_id,
        listing_id=generator.listing_id(state.idx),
        state=state,
        status=state.status if unlisted_status is None else unlisted_status,
        is_listed=world.is_listed(state),
        static=static,
        property_type=static[generator.property_field],
        home_id=world.home_id(state.idx),
    )
