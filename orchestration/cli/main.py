"""``listings``: the operator's command line. Library code logs; this module prints."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestration.cli.runs import PipelineRun


def _print_json(value: Any) -> None:
    # flushed: `sandbox serve` keeps running, and a pipe reading its info would otherwise wait
    print(json.dumps(value, indent=2, ensure_ascii=False), flush=True)


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


def dev_commands() -> Any:
    """The dev package's commands module, or None when it is not installed."""
    try:
        return importlib.import_module("listings_sandbox.cli")
    except ModuleNotFoundError as error:
        if error.name not in ("listings_sandbox", "listings_sandbox.cli"):
            raise
        return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="listings", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sandbox_commands = dev_commands()
    if sandbox_commands is not None:
        sandbox_commands.add_commands(commands)
    else:  # a product installed without the dev package: say how to get it
        for name in ("sandbox", "demo"):
            missing = commands.add_parser(name, help="(development tools: needs the listings-sandbox package)")
            missing.set_defaults(run=lambda _: dev_package() and 0, any_arguments=True)

    from orchestration.registry import PROVIDERS, provider_names

    run = commands.add_parser(
        "run",
        help="load providers, then rebuild and publish the marts",
        description="Materialise the raw assets of the chosen providers (extracting in parallel, "
        "loading one at a time) in one Dagster run, then every dbt model and the serving file in a second, "
        "both recorded in the instance under the data folder. A provider that fails does not hold the "
        "others back: the marts are published with its last good data, and the run ends PARTIAL (exit 3) "
        "naming it. Providers read dlt's configuration (.dlt/, SOURCES__*).",
    )
    run.add_argument("providers", nargs="*", metavar="PROVIDER", help=f"{', '.join(provider_names())} (default: all)")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="full scans (providers that read a cursor, "
        f"{', '.join(provider.name for provider in PROVIDERS if provider.reconcile_cron)}, reconcile now) "
        "and dbt --full-refresh of incremental models",
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
    from orchestration.cli.runs import run_pipeline
    from orchestration.registry import provider_names

    if unknown := set(args.providers) - set(provider_names()):
        raise SystemExit(f"unknown provider {', '.join(sorted(unknown))}; choose from {', '.join(provider_names())}")
    if args.sandbox:
        dlt_environment = dev_package().dlt_environment
        info_file = dev_package("listings_sandbox.cli").info_file()
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
    from orchestration.cli.runs import unmapped_source_values

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
    from orchestration.cli.runs import provider_status, unmapped_source_values

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
    from orchestration.cli.instance import use_dagster_home

    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster), "dev", "-m", "orchestration.definitions", "-h", args.host, "-p", str(args.port)]
    print(f"# Dagster UI on http://{args.host}:{args.port} (instance: {use_dagster_home()})", file=sys.stderr)
    os.execv(command[0], command)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "any_arguments", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    # say so when a command waits for the warehouse another process is writing
    logging.basicConfig(format="# %(message)s")
    logging.getLogger("orchestration.warehouse.lock").setLevel(logging.INFO)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
