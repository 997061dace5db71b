"""``listings``: the operator's command line. Library code logs; this module prints."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from orchestration.settings import DATA_DIR_ENV, data_dir

if TYPE_CHECKING:
    from orchestration.runs import PipelineRun

SANDBOX_URL_ENV = "LISTINGS_SANDBOX_URL"


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


def _info_file() -> Path:
    return data_dir() / "sandbox.json"


# ---- sandbox ----------------------------------------------------------------------------------
def dev_package(module: str = "listings_sandbox") -> Any:
    """The sandbox and the demo live in a development-only package (``sandbox/`` in the repository),
    which an installed product does not have: say how to get it rather than print a traceback."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name not in ("listings_sandbox", module):
            raise
        raise SystemExit(
            "the provider sandbox and the demo are development tools: from a clone of the repository, "
            "run `make install` (or `pip install -e ./sandbox`)"
        ) from None


def sandbox_serve(args: argparse.Namespace) -> int:
    sandbox_package = dev_package()
    HOSTS, Sandbox, SandboxConfig = sandbox_package.HOSTS, sandbox_package.Sandbox, sandbox_package.SandboxConfig

    ports = {}
    if args.port_base:
        ports = {host: args.port_base + offset for offset, host in enumerate(HOSTS)}
        ports["control"] = args.port_base + len(HOSTS)
    config = SandboxConfig(
        seed=args.seed,
        total_listings=args.total_listings,
        ports=ports,
        avaroai_rate_limit=args.avaroai_rate_limit,
        actuallycare_rate_limit=args.actuallycare_rate_limit,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Sandbox(config) as sandbox:
        info = sandbox.info()
        info_file = Path(args.info_file) if args.info_file else _info_file()
        info_file.parent.mkdir(parents=True, exist_ok=True)
        info_file.write_text(json.dumps(info, indent=2))
        info_file.chmod(0o600)  # it holds the sandbox's credentials
        _print_json(info)
        print(f"# sandbox serving; info in {info_file}; Ctrl-C stops it", file=sys.stderr, flush=True)
        stop.wait()
    return 0


def _control_url(args: argparse.Namespace) -> str:
    if args.control_url:
        return args.control_url
    if os.environ.get(SANDBOX_URL_ENV):
        return os.environ[SANDBOX_URL_ENV]
    info_file = _info_file()
    if info_file.exists():
        return json.loads(info_file.read_text())["control_url"]
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


def build_parser() -> argparse.ArgumentParser:
    try:
        from listings_sandbox import FAULT_KINDS, HOSTS
    except ModuleNotFoundError:  # a product installed without the dev package: `sandbox serve` says how to get it
        FAULT_KINDS, HOSTS = None, None

    parser = argparse.ArgumentParser(prog="listings", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser(
        "sandbox",
        help="local stand-ins for the five provider APIs",
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
        "--avaroai-rate-limit",
        type=_rate,
        default=(20, 60.0),
        metavar="N/SECONDS",
        help="AvaroAI quota (documented: 20/60); 'off' disables it",
    )
    serve.add_argument(
        "--actuallycare-rate-limit",
        type=_rate,
        default=(120, 60.0),
        metavar="N/SECONDS",
        help="ActuallyCare quota (undocumented; sandbox default 120/60); 'off' disables it",
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

    from orchestration.defs.ingest.assets import SOURCES

    run = commands.add_parser(
        "run",
        help="load providers, then rebuild and publish the marts",
        description="Materialise the raw assets of the chosen providers (extracting in parallel, "
        "loading one at a time) in one Dagster run, then every dbt model and the serving file in a second, "
        "both recorded in the instance under the data folder. A provider that fails does not hold the "
        "others back: the marts are published with its last good data, and the run ends PARTIAL (exit 3) "
        "naming it. Providers read dlt's configuration (.dlt/, SOURCES__*).",
    )
    run.add_argument("providers", nargs="*", metavar="PROVIDER", help=f"{', '.join(SOURCES)} (default: all)")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="full scans (Apimo, Enclosure, Koto reconcile now) and dbt --full-refresh of incremental models",
    )
    scope = run.add_mutually_exclusive_group()
    scope.add_argument("--no-marts", action="store_true", help="load raw only; leave dbt and publishing to automation")
    scope.add_argument(
        "--marts-only",
        action="store_true",
        help="rebuild and publish the marts from raw as it stands; no provider is called",
    )
    run.add_argument("--sandbox", action="store_true", help="point the sources at the running `listings sandbox serve`")
    run.add_argument(
        "--in-process",
        action="store_true",
        help="every step in this one process, one after another (slower; for debugging and small machines)",
    )
    run.set_defaults(run=pipeline_run)

    status = commands.add_parser(
        "status",
        help="last load, cursor, last complete scan and freshness per provider",
        description="Per provider: the last committed load, listings and versions in raw, the incremental "
        "cursor (its times in UTC), when the least recently reconciled account last completed a full scan, "
        "and whether the load is within its freshness window (orchestration/defs/automation.py).",
    )
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.set_defaults(run=pipeline_status)

    dbt = commands.add_parser(
        "dbt",
        help="run any dbt command on the project, under the warehouse lock",
        description="Runs dbt with these arguments on dbt_project/ (its profiles.yml), holding the warehouse "
        "lock: a dbt run by hand waits for a load instead of breaking it. Example: listings dbt docs generate",
    )
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="DBT_ARGS", help="what to pass to dbt")
    dbt.set_defaults(run=run_dbt)

    ui_parser = commands.add_parser(
        "ui",
        help="open the Dagster UI (dagster dev) on this project",
        description="Runs `dagster dev` on orchestration.definitions with the instance under the data folder, "
        "so the demo's and the CLI's runs are listed.",
    )
    ui_parser.add_argument("--host", default="127.0.0.1")
    ui_parser.add_argument("--port", type=int, default=3000)
    ui_parser.set_defaults(run=ui)
    return parser


def pipeline_run(args: argparse.Namespace) -> int:
    from orchestration.defs.ingest.assets import SOURCES
    from orchestration.runs import run_pipeline

    if unknown := set(args.providers) - set(SOURCES):
        raise SystemExit(f"unknown provider {', '.join(sorted(unknown))}; choose from {', '.join(SOURCES)}")
    if args.sandbox:
        dlt_environment = dev_package().dlt_environment
        info_file = _info_file()
        if not info_file.exists():
            raise SystemExit(f"--sandbox needs a running `listings sandbox serve` (no {info_file})")
        os.environ.update(dlt_environment(json.loads(info_file.read_text())))
    if args.marts_only and args.providers:
        raise SystemExit("--marts-only calls no provider: drop the provider names")
    options = {
        "full_refresh": args.full_refresh,
        "raw": not args.marts_only,
        "marts": not args.no_marts,
        "in_process": args.in_process,
    }
    report = run_pipeline(args.providers, **options)
    if report.marts_published:
        print_unmapped_values()
    print_run_outcome(report)
    return report.exit_code


def print_unmapped_values() -> None:
    """Provider words the crosswalk does not know: their listings show as other/unknown until
    dbt_project/seeds/crosswalk_vocabulary.csv maps them."""
    from orchestration.runs import unmapped_source_values

    unmapped = unmapped_source_values()
    if unmapped.empty:
        return
    print(f"UNMAPPED provider values ({len(unmapped)}): shown as other/unknown; add them to crosswalk_vocabulary.csv")
    for row in unmapped.itertuples(index=False):
        print(f"  {row.source} {row.field} {row.source_value!r}: {row.listings} listings")


def print_run_outcome(report: PipelineRun) -> None:
    """The run's last lines: its outcome and, per failed provider, what failed and what to check."""
    if report.outcome == "succeeded":
        print("listings run: succeeded")
        return
    for provider, cause in sorted(report.failed_providers.items()):
        print(f"  {provider} FAILED: {cause}")
    if report.outcome == "partial":
        failed = sorted(report.failed_providers)
        print(
            f"listings run: PARTIAL (exit {report.exit_code}): the marts were published; "
            f"{', '.join(failed)} kept {'its' if len(failed) == 1 else 'their'} last good data there"
        )
    else:
        failed = f"listings run: FAILED (exit {report.exit_code})"
        print(f"{failed}: the marts were not rebuilt; see the runs in `listings ui`")


def run_dbt(args: argparse.Namespace) -> int:
    """dbt, as typed, on the project's dbt folder and under the warehouse lock: it waits for a load
    rather than failing it, and a load waits for it."""
    from dlt_sources.common.warehouse_lock import warehouse_lock
    from orchestration.settings import DBT_PROJECT_DIR, warehouse_path

    command = [str(Path(sys.executable).parent / "dbt"), *args.dbt_args]
    for option in ("--project-dir", "--profiles-dir"):
        if option not in args.dbt_args:
            command += [option, str(DBT_PROJECT_DIR)]
    with warehouse_lock(warehouse_path(), f"run dbt {' '.join(args.dbt_args[:1])}"):
        return subprocess.run(command, cwd=DBT_PROJECT_DIR, check=False).returncode


def pipeline_status(args: argparse.Namespace) -> int:
    from orchestration.runs import provider_status, unmapped_source_values

    status = provider_status()
    if args.json:  # a list of provider rows, each with the values the crosswalk lacks
        unmapped = unmapped_source_values()
        rows = status.to_dict(orient="records")
        for row in rows:
            mine = unmapped[unmapped["source"] == row["provider"]]
            row["unmapped_values"] = mine[["field", "source_value", "listings"]].to_dict(orient="records")
        _print_json(rows)
    else:
        print(status.to_string(index=False))
        print_unmapped_values()
    return 0


def ui(args: argparse.Namespace) -> int:
    from orchestration.instance import use_dagster_home

    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster), "dev", "-m", "orchestration.definitions", "-h", args.host, "-p", str(args.port)]
    print(f"# Dagster UI on http://{args.host}:{args.port} (instance: {use_dagster_home()})", file=sys.stderr)
    os.execv(command[0], command)


def run_demo(args: argparse.Namespace) -> int:
    run = dev_package("listings_sandbox.demo").run
    run(days=args.days, seed=args.seed, data_folder=args.data_dir)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # say so when a command waits for the warehouse another process is writing
    logging.basicConfig(format="# %(message)s")
    logging.getLogger("dlt_sources.common.warehouse_lock").setLevel(logging.INFO)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
