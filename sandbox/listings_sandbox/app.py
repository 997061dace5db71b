"""The sandbox as a whole: a host per provider of the registry, one control host, one simulated clock.

The registry (``orchestration/registry.py``) says which hosts there are; the provider module that
declares a host (``providers/``, found by ``providers.modules_by_host``) builds it: its worlds, one
per provider account, its HTTP app and its options. ``Sandbox`` serves each host on 127.0.0.1, and
answers operators and tests on a control host: advance a day, report the truth, arm faults, count
requests.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orchestration.registry import provider_names

from .formats import iso_utc
from .provider_module import RATE_LIMIT, HostContext, ProviderModule, option_names
from .providers import modules_by_host
from .server import HttpError, ProviderApp, ProviderServer, Request, Response, route
from .truth import truth_record
from .world import DEFAULT_START, ChangeMix, Event, World, stable_key

HOSTS: tuple[str, ...] = tuple(provider_names())  # the registry's providers, each a sandbox host


def provider_module(host: str) -> ProviderModule:
    """The module that serves a host of the registry."""
    if host not in HOSTS:
        raise KeyError(f"unknown sandbox host {host!r}; hosts: {', '.join(HOSTS)}")
    modules = modules_by_host()
    if host not in modules:
        raise LookupError(f"no module in listings_sandbox/providers/ serves the registry's provider {host!r}")
    return modules[host]


def provider_modules() -> dict[str, ProviderModule]:
    """host -> its module, for every host of the registry."""
    return {host: provider_module(host) for host in HOSTS}


def default_sizes() -> dict[str, dict[str, int]]:
    """host -> account id -> listings per world at the default size (``total_listings`` keeps the proportions)."""
    return {host: dict(module.sizes[host]) for host, module in provider_modules().items()}


OPEN_WORLD_VALUES: dict[str, dict[str, tuple[Any, ...]]] = {  # host -> served field -> undocumented values
    host: dict(module.open_world) for host, module in provider_modules().items()
}


@dataclass
class SandboxConfig:
    seed: int = 7
    total_listings: int | None = None  # None: each module's default sizes (1,700 in all)
    start: datetime = DEFAULT_START
    mix: ChangeMix = field(default_factory=ChangeMix)
    # about 1% of listings per field send a property type or status no document lists; see open_world.py
    open_world: bool = True
    # False: no host enforces a quota but one its ``options`` set (each module's ``rate_limit``)
    rate_limits: bool = True
    # host -> option -> value: the provider module's switches (its ``Options``: fields, defaults and
    # the document lines behind them), e.g. {"<host>": {"rate_limit": (20, 6.0)}}; ``rate_limit`` is a
    # quota, (requests, window seconds) or None
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)  # fixed secrets by name; else random
    ports: dict[str, int] = field(default_factory=dict)  # host -> port; 0 or absent: any free port
    host: str = "127.0.0.1"

    def __post_init__(self) -> None:
        for host, given in self.options.items():
            if host not in HOSTS:
                raise ValueError(f"options for {host!r}, which is no sandbox host; hosts: {', '.join(HOSTS)}")
            if not isinstance(given, Mapping):
                raise ValueError(f"options[{host!r}] must map option names to values, not {given!r}")
            self.host_options(host)  # unknown hosts and options, and bad values, fail here

    def host_options(self, host: str) -> Any:
        """The host's options: its module's ``Options``, with this configuration's settings."""
        return provider_module(host).host_options(host, self.options.get(host, {}), self.rate_limits)

    def world_sizes(self) -> dict[str, dict[str, int]]:
        """host -> account id -> listings at creation."""
        sizes = default_sizes()
        if self.total_listings is None:
            return sizes
        base = sum(size for accounts in sizes.values() for size in accounts.values())
        return {
            host: {account: max(1, self.total_listings * size // base) for account, size in accounts.items()}
            for host, accounts in sizes.items()
        }


def event_record(world: World, event: Event) -> dict[str, Any]:
    return {
        "provider": world.provider,
        "account_id": world.account_id,
        "source_listing_id": world.generator.listing_id(event.idx),
        "day": event.day,
        "at": iso_utc(event.at),
        "kind": event.kind,
        "old": event.old,
        "new": event.new,
    }


class Sandbox:
    """A host per provider of the registry, plus the control host. Use as a context manager or start()/stop()."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config = config or SandboxConfig()
        sizes = config.world_sizes()
        ids_key = stable_key(config.seed, "ids")
        self.options: dict[str, Any] = {host: config.host_options(host) for host in HOSTS}
        self.apps: dict[str, ProviderApp] = {
            host: provider_module(host).build(
                HostContext(
                    host=host,
                    options=self.options[host],
                    seed=config.seed,
                    sizes=sizes[host],
                    start=config.start,
                    mix=config.mix,
                    open_world=config.open_world,
                    credentials=config.credentials,
                    ids_key=ids_key,
                )
            )
            for host in HOSTS
        }
        self.servers: dict[str, ProviderServer] = {}
        self.control: ProviderServer | None = None

    # ---- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Sandbox:
        for host, app in self.apps.items():
            self.servers[host] = ProviderServer(app, self.config.host, self.config.ports.get(host, 0))
        self.control = ProviderServer(ControlApp(self), self.config.host, self.config.ports.get("control", 0))
        for server in [*self.servers.values(), self.control]:
            server.start()
        return self

    def stop(self) -> None:
        for server in [*self.servers.values(), *([self.control] if self.control else [])]:
            server.stop()
        self.servers.clear()
        self.control = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- what operators and tests ask --------------------------------------------------------------
    def worlds(self, host: str | None = None) -> list[World]:
        apps = [self.app(host)] if host else list(self.apps.values())
        return [world for app in apps for world in app.worlds.values()]

    def app(self, host: str) -> ProviderApp:
        if host not in self.apps:
            raise KeyError(f"unknown sandbox host {host!r}; hosts: {', '.join(self.apps)}")
        return self.apps[host]

    def info(self) -> dict[str, Any]:
        """Base URL and credentials of every host, as the sandbox prints them."""
        first = self.worlds()[0]
        return {
            "control_url": self.control.root_url if self.control else None,
            "day": first.day,
            "now": iso_utc(first.now),
            "providers": {host: self.host_info(host) for host in self.apps},
        }

    def host_info(self, host: str) -> dict[str, Any]:
        """A host's base URL, credentials and quota (``rate_limit``, for a module that has one)."""
        app = self.app(host)
        info = {"base_url": self.servers[host].base_url if host in self.servers else None, **app.credentials()}
        if RATE_LIMIT in option_names(type(self.options[host])):
            info[RATE_LIMIT] = getattr(self.options[host], RATE_LIMIT)
        return info

    def credential_values(self) -> list[str]:
        """Every secret the hosts accept: what a leak scan looks for."""
        values = []
        for provider in self.info()["providers"].values():
            values += [provider[name] for name in ("api_key", "token", "key") if name in provider]
            values += [account["api_key"] for account in provider.get("accounts", [])]
        return values

    def dlt_environment(self) -> dict[str, str]:
        """dlt configuration (environment variables) that points every source at this sandbox."""
        return dlt_environment(self.info())

    def advance_day(self, changed_share: float | None = None) -> dict[str, Any]:
        """Advance every world one simulated day; returns the count of changes by host and kind.

        ``changed_share`` scales the day's change mix to touch about that share of live listings.
        """
        mix = self.config.mix.scaled_to(changed_share) if changed_share is not None else None
        changes: dict[str, Counter[str]] = {}
        for host, app in self.apps.items():
            counter = changes.setdefault(host, Counter())
            for world in app.worlds.values():
                counter.update(event.kind for event in world.advance_day(mix))
        first = self.worlds()[0]
        return {
            "day": first.day,
            "now": iso_utc(first.now),
            "changes": {host: dict(sorted(c.items())) for host, c in changes.items()},
        }

    def truth(self, host: str) -> list[dict[str, Any]]:
        """Every listing the host ever created, and any document example it serves, as ``truth.py`` describes."""
        fixed = self.app(host).fixed_truth()  # a document's example, served outside the worlds
        return fixed + [
            record for world in self.worlds(host) for record in world.truth(lambda s, w=world: truth_record(w, s))
        ]

    def events(self, host: str, day: int | None = None) -> list[dict[str, Any]]:
        return [event_record(world, event) for world in self.worlds(host) for event in world.events(day)]

    def arm_fault(self, host: str, kind: str, times: int = 1, after: int = 0, **params: Any) -> None:
        self.app(host).faults.arm(kind, times, after, **params)

    def clear_faults(self, host: str | None = None) -> None:
        for app in [self.app(host)] if host else self.apps.values():
            app.faults.clear()

    def stats(self, host: str) -> dict[str, int]:
        return dict(self.app(host).stats)


class ControlApp(ProviderApp):
    """The operator's side door: JSON over HTTP for the CLI and for tests in other processes."""

    name = "control"

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__({})
        self.sandbox = sandbox

    def routes(self) -> list:
        sandbox = self.sandbox

        def body(request: Request) -> dict[str, Any]:
            try:
                return json.loads(request.body or b"{}")
            except ValueError:
                raise HttpError(400, {"error": "body must be JSON"}) from None

        def guarded(call: Any) -> Response:
            try:
                return Response(200, call())
            except (KeyError, ValueError, TypeError) as exc:
                raise HttpError(400, {"error": str(exc)}) from None

        def arm(request: Request, host: str) -> Response:
            spec = body(request)
            return guarded(lambda: (sandbox.arm_fault(host, **spec), sandbox.app(host).faults.armed())[1])

        def events(request: Request, host: str) -> Response:
            day = request.arg("day")
            return guarded(lambda: sandbox.events(host, int(day) if day is not None else None))

        return [
            route("GET", "/", lambda request: Response(200, sandbox.info())),
            route("POST", "/advance", lambda request: guarded(lambda: sandbox.advance_day(**body(request)))),
            route("GET", "/truth/{host}", lambda request, host: guarded(lambda: sandbox.truth(host))),
            route("GET", "/events/{host}", events),
            route("GET", "/faults/{host}", lambda request, host: guarded(lambda: sandbox.app(host).faults.armed())),
            route("POST", "/faults/{host}", arm),
            route(
                "DELETE", "/faults/{host}", lambda request, host: guarded(lambda: (sandbox.clear_faults(host), [])[1])
            ),
            route("GET", "/stats/{host}", lambda request, host: guarded(lambda: sandbox.stats(host))),
        ]

    def authenticate(self, request: Request) -> str:
        return "operator"  # loopback only, and it guards no real data


def dlt_environment(info: dict[str, Any]) -> dict[str, str]:
    """dlt configuration (environment variables) that points every source at the sandbox that
    printed ``info`` (``listings sandbox serve`` writes it to data/sandbox.json): each host's
    ``base_url``, and what its module's ``dlt_settings`` reads from its entry."""
    environment = {}
    for host, host_info in info["providers"].items():
        settings = {"BASE_URL": host_info["base_url"], **provider_module(host).dlt_settings(host_info)}
        environment |= {f"SOURCES__{host.upper()}__{name}": value for name, value in settings.items()}
    return environment
