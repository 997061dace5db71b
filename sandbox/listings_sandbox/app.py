"""The sandbox as a whole: six provider hosts, one control host, one simulated clock.

``Sandbox`` builds a world per provider account, serves each host on 127.0.0.1, and answers
operators and tests on a control host: advance a day, report the truth, arm faults, count requests.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .formats import iso_utc
from .providers.actuallycare import ActuallyCareApp, ActuallyCareGenerator
from .providers.apimo import ApimoApp, ApimoGenerator
from .providers.avaroai import AvaroAIApp, AvaroAIGenerator
from .providers.enclosure_koto import EnclosureKotoApp, EnclosureKotoGenerator
from .providers.estateprime import DRAFT_PERCENT, EstatePrimeApp, EstatePrimeGenerator
from .server import FixedWindowLimiter, HttpError, ProviderApp, ProviderServer, Request, Response, route
from .truth import truth_record
from .world import CANONICAL_STATUSES, DEFAULT_START, DRAFT, ChangeMix, Event, World, stable_key

# Listings per world at the default size; ``scale`` keeps these proportions.
DEFAULT_SIZES: dict[str, int] = {
    "avaroai": 200,
    "estateprime:1": 160,  # store ids
    "estateprime:2": 140,
    "apimo:2841": 220,  # agency ids
    "apimo:3317": 180,
    "enclosure": 250,
    "koto": 250,
    "actuallycare": 300,
}
HOSTS = ("avaroai", "estateprime", "apimo", "enclosure", "koto", "actuallycare")


@dataclass
class SandboxConfig:
    seed: int = 7
    total_listings: int | None = None  # None: DEFAULT_SIZES (1,700 in all)
    start: datetime = DEFAULT_START
    mix: ChangeMix = field(default_factory=ChangeMix)
    # (requests, window seconds); the documented values are the defaults
    avaroai_rate_limit: tuple[int, float] | None = (20, 60.0)
    actuallycare_rate_limit: tuple[int, float] | None = (120, 60.0)
    estateprime_auth_header: str = "X-Api-Key"
    # EstatePrime's Authentication section is missing from its document: the key alone in the header
    # above (""), or after a scheme ("Bearer", with the header "Authorization")
    estateprime_auth_scheme: str = ""
    # Enclosure/Koto's `YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]`: an offset required, an unencoded `+`
    # refused (True), or the offset optional, naive meaning UTC (False); see formats.parse_iso
    enclosure_strict_times: bool = True
    # Apimo's private mode (its `status` and `group` sent, as in the document's example) or public mode
    apimo_public_mode: bool = False
    # Apimo's document example (apimo.txt:240) served byte for byte as the first agency's first record,
    # the host writing JSON the PHP way, as the example does; see providers/apimo.py
    apimo_document_example: bool = True
    # ActuallyCare's record shapes: "full" (list and detail: the PUT response's object), "summary" (list:
    # the 12 fields of the list example; detail: full), "document" (list: 12; detail: the 14 fields of
    # the detail example); see providers/actuallycare.py
    actuallycare_records: str = "full"
    # EstatePrime drafts in the list and found by id (True) or neither (False); see providers/estateprime.py
    estateprime_drafts_listed: bool = True
    # EstatePrime removals: status `deleted`, still served (True), or the listing disappears (False)
    estateprime_soft_delete: bool = True
    # about 1% of listings per field send a property type or status no document lists; see open_world.py
    open_world: bool = True
    # Enclosure/Koto: this many listings created in one second (noon of day 1) on each host, more than a
    # page (50) when above it; see providers/enclosure_koto.py
    enclosure_same_second_burst: int = 0
    credentials: dict[str, str] = field(default_factory=dict)  # fixed secrets by name; else random
    ports: dict[str, int] = field(default_factory=dict)  # host -> port; 0 or absent: any free port
    host: str = "127.0.0.1"

    def world_sizes(self) -> dict[str, int]:
        if self.total_listings is None:
            return dict(DEFAULT_SIZES)
        base = sum(DEFAULT_SIZES.values())
        return {name: max(1, self.total_listings * size // base) for name, size in DEFAULT_SIZES.items()}

    def secret(self, name: str) -> str:
        return self.credentials.get(name) or secrets.token_urlsafe(18)


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
    """All six provider hosts plus the control host. Use as a context manager or start()/stop()."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config = config or SandboxConfig()
        sizes = config.world_sizes()

        def world(
            name: str, provider: str, account: str, generator: Any, listed: frozenset[str] | None = None, **kwargs: Any
        ):
            if listed:
                kwargs["listed_statuses"] = listed
            return World(
                provider=provider,
                account_id=account,
                seed=config.seed,
                initial_size=sizes[name],
                generator=generator,
                start=config.start,
                mix=config.mix,
                **kwargs,
            )

        def limiter(setting: tuple[int, float] | None) -> FixedWindowLimiter | None:
            return FixedWindowLimiter(*setting) if setting else None

        def accounts(provider: str) -> list[str]:
            return [name.split(":", 1)[1] for name in sizes if name.startswith(f"{provider}:")]

        key = stable_key(config.seed, "ids")

        def account_key(provider: str, account: str) -> int:
            return key ^ stable_key(provider, account)

        def account_worlds(provider: str, generator: Callable[[str], Any], **kwargs: Any) -> dict[str, World]:
            """One world per account of a multi-account provider (``DEFAULT_SIZES`` names them)."""
            return {
                account: world(f"{provider}:{account}", provider, account, generator(account), **kwargs)
                for account in accounts(provider)
            }

        open_world = config.open_world
        estateprime_listed = frozenset(CANONICAL_STATUSES) | ({DRAFT} if config.estateprime_drafts_listed else set())

        self.apps: dict[str, ProviderApp] = {
            "avaroai": AvaroAIApp(
                world("avaroai", "avaroai", "default", AvaroAIGenerator(key, open_world), listed=frozenset({"active"})),
                api_key=config.secret("avaroai_api_key"),
                limiter=limiter(config.avaroai_rate_limit),
            ),
            "estateprime": EstatePrimeApp(
                account_worlds(
                    "estateprime",
                    lambda store: EstatePrimeGenerator(account_key("estateprime", store), int(store), open_world),
                    listed=estateprime_listed,
                    draft_percent=DRAFT_PERCENT,
                    serve_removed=config.estateprime_soft_delete,
                ),
                api_keys={store: config.secret(f"estateprime_api_key_{store}") for store in accounts("estateprime")},
                auth_header=config.estateprime_auth_header,
                auth_scheme=config.estateprime_auth_scheme,
            ),
            "apimo": ApimoApp(
                account_worlds(
                    "apimo", lambda agency: ApimoGenerator(account_key("apimo", agency), int(agency), open_world)
                ),
                provider_id=config.credentials.get("apimo_provider") or str(1000 + config.seed),
                token=config.secret("apimo_token"),
                public_mode=config.apimo_public_mode,
                document_example=config.apimo_document_example,
            ),
            **{
                host: EnclosureKotoApp(
                    host,
                    world(
                        host,
                        "enclosure_koto",
                        host,
                        EnclosureKotoGenerator(key ^ stable_key(host), host, open_world),
                        listed=frozenset({"active", "pending"}),
                        burst_size=config.enclosure_same_second_burst,
                    ),
                    key=config.secret(f"{host}_key"),
                    strict_times=config.enclosure_strict_times,
                )
                for host in ("enclosure", "koto")
            },
            "actuallycare": ActuallyCareApp(
                world("actuallycare", "actuallycare", "default", ActuallyCareGenerator(key, open_world)),
                api_key=config.secret("actuallycare_api_key"),
                records=config.actuallycare_records,
                limiter=limiter(config.actuallycare_rate_limit),
            ),
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
            "providers": {
                host: {"base_url": self.servers[host].base_url if host in self.servers else None, **app.credentials()}
                for host, app in self.apps.items()
            },
            "avaroai_rate_limit": self.config.avaroai_rate_limit,
        }

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
    printed ``info`` (``listings sandbox serve`` writes it to data/sandbox.json)."""
    providers = info["providers"]
    environment = {
        "SOURCES__ACTUALLYCARE__BASE_URL": providers["actuallycare"]["base_url"],
        "SOURCES__ACTUALLYCARE__API_KEY": providers["actuallycare"]["api_key"],
        "SOURCES__AVAROAI__BASE_URL": providers["avaroai"]["base_url"],
        "SOURCES__AVAROAI__API_KEY": providers["avaroai"]["api_key"],
        "SOURCES__APIMO__BASE_URL": providers["apimo"]["base_url"],
        "SOURCES__APIMO__PROVIDER": providers["apimo"]["provider"],
        "SOURCES__APIMO__TOKEN": providers["apimo"]["token"],
        "SOURCES__APIMO__AGENCIES": json.dumps(providers["apimo"]["agencies"]),
        "SOURCES__ESTATEPRIME__BASE_URL": providers["estateprime"]["base_url"],
        "SOURCES__ESTATEPRIME__AUTH_HEADER": providers["estateprime"]["auth_header"],
        "SOURCES__ESTATEPRIME__AUTH_SCHEME": providers["estateprime"]["auth_scheme"],
        "SOURCES__ESTATEPRIME__API_KEYS": json.dumps(
            {account["store_id"]: account["api_key"] for account in providers["estateprime"]["accounts"]}
        ),
    }
    for host in ("enclosure", "koto"):
        prefix = f"SOURCES__{host.upper()}__"
        environment[prefix + "BASE_URL"] = providers[host]["base_url"]
        environment[prefix + "KEY"] = providers[host]["key"]
        environment[prefix + "ACCOUNT_ID"] = providers[host]["account_id"]
        environment[prefix + "SEARCHES"] = json.dumps(
            [{"territory": territory} for territory in providers[host]["territories"]]
        )
    if info.get("avaroai_rate_limit"):  # pace to the quota this sandbox enforces
        requests, window = info["avaroai_rate_limit"]
        environment["SOURCES__AVAROAI__MAX_REQUESTS_PER_WINDOW"] = str(requests)
        environment["SOURCES__AVAROAI__RATE_WINDOW_SECONDS"] = str(window)
    return environment
