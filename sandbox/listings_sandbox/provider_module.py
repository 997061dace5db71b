"""What a provider module declares, and the context the sandbox builds its hosts in.

Each module in ``providers/`` stands in for one provider API, read from its document, and declares
``SANDBOX = ProviderModule(...)``: the hosts it serves (the registry's provider names), their accounts
and default sizes, how to build a host, the switches where its document allows more than one
reading (``options``, a dataclass whose defaults are the sandbox's usual reading), the values no
document lists that it sends now and then (``open_world``), and a few facts about the API that
benchmarks and the dlt configuration need. Nothing outside the module names the provider:
``providers/__init__.py`` finds the modules, and the registry (``orchestration/registry.py``) says
which hosts the sandbox serves.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .server import FixedWindowLimiter, ProviderApp
from .world import ChangeMix, World

RATE_LIMIT = "rate_limit"  # the option a host's quota goes by: (requests, window seconds) or None


@dataclass(frozen=True)
class NoOptions:
    """The options of a module whose document leaves nothing to choose."""


def option(default: Any, help: str) -> Any:  # noqa: A002 - the name argparse and readers know
    """An ``Options`` field: its default and what it means (``listings sandbox serve --help`` shows it)."""
    return field(default=default, metadata={"help": help})


def option_help(options: type, name: str) -> str:
    return next((f.metadata.get("help", "") for f in dataclasses.fields(options) if f.name == name), "")


def option_names(options: type) -> list[str]:
    return [f.name for f in dataclasses.fields(options)]


def rate_limit_setting(value: Any) -> tuple[int, float] | None:
    """(requests, window seconds), from a tuple or a JSON list; None: no quota."""
    if value is None:
        return None
    try:
        requests, window = value
        setting = (int(requests), float(window))
    except (TypeError, ValueError):
        raise ValueError(f"a rate limit is (requests, window seconds) or None, not {value!r}") from None
    if setting[0] < 1 or setting[1] <= 0:
        raise ValueError(f"a rate limit needs at least one request in a positive window, not {value!r}")
    return setting


@dataclass(frozen=True)
class HostContext:
    """What a module's ``build`` gets for one host: the sandbox's seed, clock and sizes, the host's
    options, and factories for its worlds, secrets and quota."""

    host: str  # the registry's name of the host
    options: Any  # the module's Options, with the sandbox's settings applied
    seed: int
    sizes: Mapping[str, int]  # account id -> listings at creation (the module's accounts, scaled)
    start: datetime
    mix: ChangeMix
    open_world: bool  # send the module's open-world values (open_world.py)
    credentials: Mapping[str, str]  # fixed secrets by name
    ids_key: int  # the seed's id key: what the modules derive their id and world keys from

    def secret(self, name: str) -> str:
        """A fixed secret when ``SandboxConfig.credentials`` names one, else a random one."""
        return self.credentials.get(name) or secrets.token_urlsafe(18)

    def world(
        self, provider: str, account: str, generator: Any, listed: frozenset[str] | None = None, **kwargs: Any
    ) -> World:
        """One account's world, of the size ``sizes`` gives it; ``listed``: the statuses its list serves."""
        if listed:
            kwargs["listed_statuses"] = listed
        return World(
            provider=provider,
            account_id=account,
            seed=self.seed,
            initial_size=self.sizes[account],
            generator=generator,
            start=self.start,
            mix=self.mix,
            **kwargs,
        )

    def limiter(self) -> FixedWindowLimiter | None:
        """The host's quota, from its ``rate_limit`` option (none when the module has no such option)."""
        setting = getattr(self.options, RATE_LIMIT, None)
        return FixedWindowLimiter(*setting) if setting else None


@dataclass(frozen=True)
class ProviderModule:
    """A provider module's declaration (its ``SANDBOX``)."""

    # host -> account id -> listings at the default size (1,700 over all hosts); its keys are the
    # hosts the module serves, each a provider name of the registry
    sizes: Mapping[str, Mapping[str, int]]
    build: Callable[[HostContext], ProviderApp]
    # a host's entry of ``Sandbox.info()["providers"]`` -> the settings of its dlt source that point
    # it at the sandbox, besides ``base_url`` (names as in ``[sources.<name>]``, upper case)
    dlt_settings: Callable[[Mapping[str, Any]], dict[str, str]]
    max_page_size: int  # the most listings one list request may return
    options: type = NoOptions  # a frozen dataclass of ``option(...)`` fields; ``rate_limit`` is a quota
    open_world: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # served field -> undocumented values
    lookup_lists: int = 0  # lookup lists beside the listings, one request each per account
    updated_since: bool = False  # the list takes a "created or updated since" filter: a server-side cursor
    volatile_fields: tuple[str, ...] = ()  # record fields that move with the clock alone, the listing unchanged
    documented_quota: tuple[int, float] | None = None  # (requests, window seconds) when the document gives one

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(self.sizes)

    def host_options(self, host: str, given: Mapping[str, Any], rate_limits: bool = True) -> Any:
        """The host's Options: the defaults, without a quota unless ``rate_limits``, then ``given``."""
        names = option_names(self.options)
        unknown = sorted(set(given) - set(names))
        if unknown:
            named, known = ", ".join(map(repr, unknown)), ", ".join(names) or "none"
            raise ValueError(f"the sandbox host {host!r} has no option {named} (its options: {known})")
        values = dict(given)
        if RATE_LIMIT in names:
            if not rate_limits and RATE_LIMIT not in values:
                values[RATE_LIMIT] = None
            if RATE_LIMIT in values:
                values[RATE_LIMIT] = rate_limit_setting(values[RATE_LIMIT])
        return self.options(**values)
