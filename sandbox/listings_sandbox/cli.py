"""The ``listings sandbox`` and ``listings demo`` commands, which the product's CLI adds when this
development package is installed."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import requests

from listings_sandbox import FAULT_KINDS, HOSTS, Sandbox, SandboxConfig, provider_module
from listings_sandbox.provider_module import RATE_LIMIT, option_help, option_names
from orchestration.settings import DATA_DIR_ENV, data_dir

SANDBOX_URL_ENV = "LISTINGS_SANDBOX_URL"


def info_file() -> Path:
    """Where ``sandbox serve`` writes its URLs and credentials (``listings run --sandbox`` reads them)."""
    return data_dir() / "sandbox.json"


def _print_json(value: Any) -> None:
    # flushed: `sandbox serve` keeps running, and a pipe reading its info would otherwise wait
    print(json.dumps(value, indent=2, ensure_ascii=False), flush=True)


def _rate(text: str) -> tuple[int, float] | None:
    """``20/60`` -> 20 requests per 60 seconds; ``off`` -> no quota."""
    if text == "off":
        return None
    requests_part, _, window = text.partition("/")
    try:
        return int(requests_part), float(window or 60)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/SECONDS or 'off', got {text!r}") from None


def quota_hosts() -> list[str]:
    """The hosts whose module has a quota option (``rate_limit``)."""
    return [host for host in HOSTS if RATE_LIMIT in option_names(provider_module(host).options)]


def _host_rate(text: str) -> tuple[str, tuple[int, float] | None]:
    """``HOST=20/60`` -> that host's quota; ``HOST=off`` -> none."""
    host, equals, rate = text.partition("=")
    if not equals or host not in quota_hosts():
        raise argparse.ArgumentTypeError(
            f"expected PROVIDER=N/SECONDS or PROVIDER=off, PROVIDER one of {', '.join(quota_hosts())}; got {text!r}"
        )
    return host, _rate(rate)


def _rate_text(setting: tuple[int, float] | None) -> str:
    return "off" if setting is None else f"{setting[0]}/{setting[1]:g}"


def rate_limit_help() -> str:
    """What each host's quota is by default, and why (its module's ``rate_limit`` option)."""
    defaults = []
    for host in quota_hosts():
        options = provider_module(host).options
        default = next(f.default for f in dataclasses.fields(options) if f.name == RATE_LIMIT)
        defaults.append(f"{host} {_rate_text(default)}: {option_help(options, RATE_LIMIT)}")
    return (
        "a provider's quota, N requests per SECONDS per key, or PROVIDER=off; repeatable. Defaults: "
        + "; ".join(defaults)
    ).replace("%", "%%")


def sandbox_serve(args: argparse.Namespace) -> int:
    ports = {}
    if args.port_base:
        ports = {host: args.port_base + offset for offset, host in enumerate(HOSTS)}
        ports["control"] = args.port_base + len(HOSTS)
    config = SandboxConfig(
        seed=args.seed,
        total_listings=args.total_listings,
        ports=ports,
        rate_limits=not args.no_rate_limits,
        options={host: {RATE_LIMIT: setting} for host, setting in args.rate_limit},
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Sandbox(config) as sandbox:
        info = sandbox.info()
        path = Path(args.info_file) if args.info_file else info_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(info, indent=2))
        path.chmod(0o600)  # it holds the sandbox's credentials
        _print_json(info)
        print(f"# sandbox serving; info in {path}; Ctrl-C stops it", file=sys.stderr, flush=True)
        stop.wait()
    return 0


def _control_url(args: argparse.Namespace) -> str:
    if args.control_url:
        return args.control_url
    if os.environ.get(SANDBOX_URL_ENV):
        return os.environ[SANDBOX_URL_ENV]
    path = info_file()
    if path.exists():
        return json.loads(path.read_text())["control_url"]
    raise SystemExit(
        f"no running sandbox found: start `listings sandbox serve`, or pass --control-url or set {SANDBOX_URL_ENV}"
    )


def _control(args: argparse.Namespace, method: str, path: str, **kwargs: Any) -> int:
    url = _control_url(args)
    try:
        response = requests.request(method, url + path, timeout=60, **kwargs)
    except requests.ConnectionError:
        raise SystemExit(f"the sandbox at {url} does not answer; is `listings sandbox serve` running?") from None
    _print_json(response.json())
    return 0 if response.ok else 1


def sandbox_fault(args: argparse.Namespace) -> int:
    params: dict[str, Any] = {}
    for item in args.param:
        name, _, value = item.partition("=")
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    body = {"kind": args.kind, "times": args.times, "after": args.after, **params}
    return _control(args, "POST", f"/faults/{args.host}", json=body)


def add_commands(commands: argparse._SubParsersAction) -> None:
    """``listings sandbox ...`` and ``listings demo``."""
    sandbox = commands.add_parser(
        "sandbox",
        help="local stand-ins for the provider APIs",
        description="Local HTTP servers that follow the provider documents, "
        "with deterministic data, time travel and fault switches.",
    )
    actions = sandbox.add_subparsers(dest="action", required=True)
    serve = actions.add_parser("serve", help="start all provider hosts and print their URLs and credentials")
    serve.add_argument("--seed", type=int, default=7, help="data seed (default 7)")
    serve.add_argument(
        "--total-listings",
        type=int,
        default=None,
        help="scale all providers to about this many listings in all (default ~1,700)",
    )
    serve.add_argument(
        "--port-base",
        type=int,
        default=0,
        help="serve the provider hosts and control on consecutive ports from here (default: free ports)",
    )
    serve.add_argument("--info-file", default=None, help="where to write the JSON info (default data/sandbox.json)")
    serve.add_argument(
        "--rate-limit",
        type=_host_rate,
        action="append",
        default=[],
        metavar="PROVIDER=N/SECONDS",
        help=rate_limit_help(),
    )
    serve.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="no quota on any host, but those a --rate-limit sets",
    )
    serve.set_defaults(run=sandbox_serve)

    def control_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--control-url",
            default=None,
            help=f"sandbox control URL (default: ${SANDBOX_URL_ENV}, then data/sandbox.json)",
        )
        return sub

    advance = control_command("advance", "advance the simulated clock one day and apply its changes")
    advance.add_argument(
        "--changed-share",
        type=float,
        default=None,
        help="touch about this share of live listings, e.g. 0.01 (default: the usual mix, about 12%%)",
    )
    advance.set_defaults(
        run=lambda a: _control(
            a, "POST", "/advance", json={"changed_share": a.changed_share} if a.changed_share is not None else {}
        )
    )
    info = control_command("info", "print base URLs, credentials and the simulated date")
    info.set_defaults(run=lambda a: _control(a, "GET", "/"))
    truth = control_command("truth", "print every listing's canonical state for one host")
    truth.add_argument("host", choices=HOSTS)
    truth.set_defaults(run=lambda a: _control(a, "GET", f"/truth/{a.host}"))
    events = control_command("events", "print what changed, for one host (and one day)")
    events.add_argument("host", choices=HOSTS)
    events.add_argument("--day", type=int, default=None)
    events.set_defaults(
        run=lambda a: _control(a, "GET", f"/events/{a.host}", params={"day": a.day} if a.day is not None else {})
    )
    fault = control_command("fault", "arm a fault on one host")
    fault.add_argument("host", choices=HOSTS)
    fault.add_argument("kind", choices=sorted(FAULT_KINDS) if FAULT_KINDS else None)
    fault.add_argument("--times", type=int, default=1, help="responses it hits (0: until cleared)")
    fault.add_argument("--after", type=int, default=0, help="matching requests to let through first")
    fault.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fault parameter, e.g. status=502, delay=5, field=price",
    )
    fault.set_defaults(run=sandbox_fault)
    clear = control_command("clear-faults", "disarm every fault on one host")
    clear.add_argument("host", choices=HOSTS)
    clear.set_defaults(run=lambda a: _control(a, "DELETE", f"/faults/{a.host}"))
    stats = control_command("stats", "print request counts by status for one host")
    stats.add_argument("host", choices=HOSTS)
    stats.set_defaults(run=lambda a: _control(a, "GET", f"/stats/{a.host}"))

    demo = commands.add_parser(
        "demo",
        help="run the whole pipeline against the sandbox over three days",
        description="Start the sandbox, then load, advance, load, advance, load through "
        "Dagster into a local DuckDB file, and print a summary.",
    )
    demo.add_argument("--days", type=int, default=3, help="loads to run, one per simulated day (default 3)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where the demo keeps its warehouse, dlt state and Dagster runs (default: ${DATA_DIR_ENV} "
        "or data/); its warehouse and dlt state there are rebuilt from scratch",
    )
    demo.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from listings_sandbox.demo import run

    run(days=args.days, seed=args.seed, data_folder=args.data_dir)
    return 0
