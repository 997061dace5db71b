"""``listings``: the operator's command line. Library code logs; this module prints."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
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
        "naming it and the cause. Providers read dlt's configuration (.dlt/, SOURCES__*). The screen shows "
        "each step's progress (live on a terminal) and a summary; the whole log (every event, dbt's output) "
        "goes to data/logs/run-<time>.log (the last 100 are kept).",
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
        help="last load, cursor, last complete scan and freshness per provider, and the last run's result",
        description="Per provider: the last committed load, listings and versions in raw, the incremental "
        "cursor (its times in UTC), when the least recently reconciled account last completed a full scan, "
        "whether the load is within its freshness window (orchestration/defs/automation.py), and how it "
        "fared in the last `listings run`; then that run's outcome, each failure's cause, and its log file.",
    )
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.set_defaults(run=pipeline_status)

    report = commands.add_parser(
        "report",
        help="make the market report again from the marts as they stand (no load, no dbt build)",
        description="Runs the market report's assets (report/market_metrics and report/market_report) in one "
        "Dagster run recorded in the instance under the data folder: per city and ISO week, median price per "
        "m², active inventory, new listings, price cuts and median days on market, read from the marts, "
        "written as CSV, PNG charts and one HTML page in the report folder beside the serving file. "
        "`listings run` makes it after each publish.",
    )
    report.set_defaults(run=market_report)

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
    ui_parser.add_argument(
        "--sandbox",
        action="store_true",
        help="serve the last demo's sandbox again, at the simulated day it ended on, and point the sources "
        "at it: every job then runs from the UI (needs the dev package and a demo in the data folder)",
    )
    ui_parser.set_defaults(run=ui)
    return parser


def pipeline_run(args: argparse.Namespace) -> int:
    from orchestration.cli.runs import LOG_TAG, run_pipeline
    from orchestration.cli.screen import RunLog, RunScreen
    from orchestration.registry import provider_names
    from orchestration.settings import data_dir

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
    log = RunLog(data_dir() / "logs")
    log.write(f"# listings run of {', '.join(args.providers) or 'every provider'}, options {options}")
    try:
        with log.capturing() as stream:
            screen = RunScreen(log, stream)
            screen.say(f"listings run: {run_scope(args, provider_names())}; full log: {log.path}")
            try:
                report = run_pipeline(args.providers, **options, observer=screen, tags={LOG_TAG: str(log.path)})
            finally:
                screen.finish()

        def say(line: str) -> None:
            log.write(line)
            print(line, flush=True)

        if report.marts_published:
            print_unmapped_values(say)
        for line in outcome_lines(report, "listings run", log.path):
            say(line)
    finally:
        log.close()
    return report.exit_code


def run_scope(args: argparse.Namespace, every_provider: Sequence[str]) -> str:
    if args.marts_only:
        return "the marts from raw as it stands"
    providers = args.providers or every_provider
    loads = f"{len(providers)} providers" if len(providers) > 1 else f"{providers[0]}"
    return loads if args.no_marts else f"{loads}, then the marts"


def print_unmapped_values(say: Callable[[str], None] = print) -> None:
    """Provider words the crosswalk does not know: their listings show as other/unknown until
    dbt_project/seeds/crosswalk_vocabulary.csv maps them."""
    from orchestration.cli.runs import unmapped_source_values

    unmapped = unmapped_source_values()
    if unmapped.empty:
        return
    say(f"UNMAPPED provider values ({len(unmapped)}): shown as other/unknown; add them to crosswalk_vocabulary.csv")
    for row in unmapped.itertuples(index=False):
        say(f"  {row.source} {row.field} {row.source_value!r}: {row.listings} listings")


def outcome_lines(report: PipelineRun, what: str, log: Path | str | None = None) -> list[str]:
    """A run's last lines: per failed provider (and a failed marts build) what failed and what to
    check, then the outcome; ``what`` names the run ("listings run")."""
    if report.outcome == "succeeded":
        return [f"{what}: succeeded"]
    lines = [f"  {provider} FAILED: {cause}" for provider, cause in sorted(report.failed_providers.items())]
    if report.marts_failure:
        lines.append(f"  marts FAILED: {report.marts_failure}")
    lines += [f"  {name} FAILED: {cause}" for name, cause in sorted(report.failed_extras.items())]
    see = f"; full log: {log}" if log else ""
    if report.outcome == "partial":
        failed, notes = sorted(report.failed_providers), []
        if failed:
            notes.append(f"{', '.join(failed)} kept {'its' if len(failed) == 1 else 'their'} last good data there")
        if report.failed_extras:
            notes.append(f"the {' and the '.join(sorted(report.failed_extras))} failed")
        lines.append(f"{what}: PARTIAL (exit {report.exit_code}): the marts were published; {'; '.join(notes)}{see}")
    else:
        lines.append(f"{what}: FAILED (exit {report.exit_code}): the marts were not rebuilt{see}")
    return lines


def market_report(args: argparse.Namespace) -> int:  # noqa: ARG001 (it takes no option)
    """The report's assets in one Dagster run in this process, as ``listings run`` runs the marts'."""
    import dagster as dg

    from orchestration.cli.instance import use_dagster_home
    from orchestration.cli.runs import execute_assets, run_process_tags, step_failures
    from orchestration.defs.report import REPORT_KEYS, report_page_path
    from orchestration.warehouse.resource import Warehouse

    warehouse = Warehouse.from_settings()
    if not warehouse.exists():
        raise SystemExit(f"no warehouse at {warehouse.database} yet: run `listings run` (or `listings demo`) first")
    use_dagster_home()
    with dg.DagsterInstance.get() as instance:
        run = execute_assets(instance, set(REPORT_KEYS), {}, 1, run_process_tags())
        failures = step_failures(instance, run.run_id)
    if not run.is_success:
        causes = "; ".join(failures.values()) or "see the run in `listings ui`"
        print(f"listings report: FAILED (Dagster run {run.run_id}): {causes}", file=sys.stderr)
        return 1
    print(f"market report: {report_page_path()} (Dagster run {run.run_id})")
    return 0


def run_dbt(args: argparse.Namespace) -> int:
    """dbt, as typed, on the project's dbt folder, on the configured warehouse, and under the
    warehouse lock: it waits for a load rather than failing it, and a load waits for it."""
    from orchestration.settings import DBT_PROJECT_DIR
    from orchestration.warehouse.resource import Warehouse

    command = [str(Path(sys.executable).parent / "dbt"), *with_provider_registry(args.dbt_args)]
    for option in ("--project-dir", "--profiles-dir"):
        if option not in args.dbt_args:
            command += [option, str(DBT_PROJECT_DIR)]
    warehouse = Warehouse.from_settings()
    environment = {**os.environ, **warehouse.dbt_environment()}  # credentials dlt resolved (secrets.toml too)
    with warehouse.lock(f"run dbt {' '.join(args.dbt_args[:1])}"):
        return subprocess.run(command, cwd=DBT_PROJECT_DIR, env=environment, check=False).returncode


# dbt commands that read no model, and take no --vars
DBT_COMMANDS_WITHOUT_PROJECT = {"clean", "deps", "init", "--help", "-h", "--version"}


def with_provider_registry(dbt_args: Sequence[str]) -> list[str]:
    """``dbt_args`` with the provider registry among dbt's vars (dbt_project/macros/provider_registry.sql),
    merged into any ``--vars`` given."""
    import yaml

    from orchestration.registry import dbt_vars

    dbt_args = list(dbt_args)
    if not dbt_args or dbt_args[0] in DBT_COMMANDS_WITHOUT_PROJECT:
        return dbt_args
    if "--vars" in dbt_args[:-1]:
        given = dbt_args.index("--vars") + 1
        dbt_args[given] = json.dumps({**dbt_vars(), **(yaml.safe_load(dbt_args[given]) or {})})
        return dbt_args
    return [*dbt_args, "--vars", json.dumps(dbt_vars())]


def pipeline_status(args: argparse.Namespace) -> int:
    import dagster as dg

    from orchestration.cli.instance import use_dagster_home
    from orchestration.cli.runs import last_pipeline_run, provider_status, unmapped_source_values
    from orchestration.warehouse.resource import Warehouse

    use_dagster_home()
    with dg.DagsterInstance.get() as instance:
        last_run = last_pipeline_run(instance)
    if not Warehouse.from_settings().exists() and last_run is not None and not args.json:
        print("\n".join(last_run_lines(last_run)))  # why the warehouse is still missing, if a run failed
    status = provider_status(last_run=last_run)
    if args.json:  # a list of provider rows, each with the values the crosswalk lacks
        unmapped = unmapped_source_values()
        rows = status.to_dict(orient="records")
        for row in rows:
            mine = unmapped[unmapped["source"] == row["provider"]]
            row["unmapped_values"] = mine[["field", "source_value", "listings"]].to_dict(orient="records")
        _print_json(rows)
    else:
        print(status.drop(columns=["last_run_error"]).to_string(index=False))
        if last_run is not None:
            print("\n".join(last_run_lines(last_run)))
        print_unmapped_values()
    return 0


def last_run_lines(last_run: Any) -> list[str]:
    """The last ``listings run``'s outcome, as it ended (or that it still runs), and its log."""
    started = last_run.started_at.isoformat(timespec="seconds")
    what = f"last listings run ({started})"
    if not last_run.finished:
        state = "died unfinished" if last_run.died else "still running"
        return [f"{what}: {state} (Dagster runs {', '.join(last_run.report.run_ids.values())}); log: {last_run.log}"]
    *causes, outcome = outcome_lines(last_run.report, what, last_run.log)
    return [outcome, *causes]


def ui(args: argparse.Namespace) -> int:
    from orchestration.cli.instance import use_dagster_home

    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster), "dev", "-m", "orchestration.definitions", "-h", args.host, "-p", str(args.port)]
    print(f"# Dagster UI on http://{args.host}:{args.port} (instance: {use_dagster_home()})", file=sys.stderr)
    if not args.sandbox:
        os.execv(command[0], command)
    # the UI's runs inherit the sandbox's dlt configuration from `dagster dev`'s environment; the
    # sandbox lives in this process, so `dagster dev` runs beside it rather than in its place
    with dev_package("listings_sandbox.demo").sandbox_as_the_demo_left_it() as sandbox_environment:
        print("# sources point at the last demo's sandbox, as that demo left it", file=sys.stderr)
        dagster_dev = subprocess.Popen(command, env={**os.environ, **sandbox_environment})
        try:
            return dagster_dev.wait()
        except KeyboardInterrupt:  # Ctrl-C reaches both: dagster dev shuts itself down
            return dagster_dev.wait()


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
