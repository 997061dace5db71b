"""``make bench``: the whole pipeline at 10k, 100k and 1M listings, against DuckDB's ``read_json``.

    .venv/bin/python scripts/bench.py [--scales 10000 100000 1000000] [--runs 3] [--large-runs 1]

Each run starts from nothing: a fresh data folder and a sandbox (``listings sandbox serve``, its own
process, rate limits off) scaled to the listings asked for, across every provider host of the
registry. In it:
1. full load: ``listings run --sandbox --in-process --no-marts`` (extract -> raw), then
   ``listings run --in-process --marts-only`` (raw -> marts, published): each a fresh process, timed
   as a whole, with its peak RSS (the largest process of it: Dagster's, or the dbt it starts) and
   its Dagster steps' own durations (without the process start);
2. the floor: the payloads that load stored are written to newline-delimited JSON files, and a fresh
   process times DuckDB's ``read_json`` of them into a new database; every figure is also given as
   a ratio to it;
3. incremental runs: the sandbox advances a day that changes 1% of live listings, then load and
   marts again; then a day that changes 10%.
Requests are counted by the sandbox and set against the minimum: ceil(N / max page size) per account
(plus one request per lookup list a provider has beside its listings). The page sizes, lookup lists,
server-side cursors and quotas are the sandbox provider modules' (``SANDBOX``, read from the documents).
A last part scans each provider whose document gives a quota against it, with the window shortened
(``--quota-window``, the simulated clock), and compares it with the quota's floor.

Medians over ``--runs`` runs (``--large-runs`` from ``--large-from`` listings, 1M by default: one
run there takes tens of minutes). ``--full-only-from N`` leaves out the incremental days from N
listings up (at 1M each is nearly another full load for the providers without a cursor). The
results replace the generated part of BENCHMARKS.md, with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import requests

from listings_sandbox import provider_module
from listings_sandbox.app import default_sizes
from orchestration.registry import provider_names

REPO_ROOT = Path(__file__).resolve().parent.parent
LISTINGS = str(Path(sys.executable).parent / "listings")
REPORT = REPO_ROOT / "BENCHMARKS.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
HOSTS = tuple(provider_names())  # the registry's providers, each a sandbox host
# whose list takes a "created or updated since" filter
SERVER_SIDE_CURSOR = tuple(host for host in HOSTS if provider_module(host).updated_since)
# host -> (requests, window seconds) its document gives; its client paces to it unless told otherwise
QUOTAS = {host: provider_module(host).documented_quota for host in HOSTS if provider_module(host).documented_quota}
INCREMENTAL_SHARES = (0.01, 0.10)  # of live listings changed by the day before an incremental run


def incremental_key(share: float) -> str:
    """Where a run's results keep its incremental run after a day changing ``share``."""
    return f"incremental_{share:.2f}"


def minimum_requests(host: str, accounts: dict[str, int]) -> int:
    """ceil(N / max page size) per account, plus one request per lookup list beside the listings."""
    module = provider_module(host)
    return sum(math.ceil(count / module.max_page_size) + module.lookup_lists for count in accounts.values())


@dataclass
class Measured:
    """One command: wall seconds, CPU seconds and peak RSS of its largest process."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    steps: dict[str, float] | None = None  # Dagster step -> seconds


def measure(command: list[str], environment: dict[str, str], log: Path) -> Measured:
    started = time.perf_counter()
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        # wait4's usage covers the process and the children it waited for: maxrss is the largest one's
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"`{' '.join(command)}` failed ({process.returncode}); its output is in {log}")
    return Measured(time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def last_run_steps(data: Path) -> dict[str, float]:
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(data / "dagster")) as instance:
        run = instance.get_runs(limit=1)[0]
        return {s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(run.run_id)}


class SandboxProcess:
    """``listings sandbox serve`` in its own process, so its memory and CPU are not the pipeline's."""

    def __init__(self, data: Path, listings: int, rate_limits: dict[str, str] | None = None) -> None:
        """``rate_limits``: host -> ``N/SECONDS``, the only quotas the sandbox enforces (none by default)."""
        self.info_file = data / "sandbox.json"
        command = [LISTINGS, "sandbox", "serve", "--seed", "1", "--total-listings", str(listings), "--no-rate-limits"]
        for host, rate in (rate_limits or {}).items():
            command += ["--rate-limit", f"{host}={rate}"]
        command += ["--info-file", str(self.info_file)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not self.info_file.exists() or not self.info_file.read_text().strip().endswith("}"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.2)
        self.control = json.loads(self.info_file.read_text())["control_url"]

    def requests(self) -> dict[str, int]:
        return {
            host: requests.get(f"{self.control}/stats/{host}", timeout=60).json().get("requests", 0) for host in HOSTS
        }

    def advance(self, changed_share: float) -> dict[str, Any]:
        return requests.post(f"{self.control}/advance", json={"changed_share": changed_share}, timeout=600).json()

    def cpu_seconds(self) -> float:
        """CPU time the sandbox has used (Linux): serving is part of the scan's cost on a shared machine."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def pipeline_environment(data: Path, **extra: str) -> dict[str, str]:
    """This environment without the operator's warehouse, Dagster or dlt settings, on ``data``."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("LISTINGS_", "SOURCES__", "DESTINATION__", "DAGSTER_"))
    }
    environment["LISTINGS_DATA_DIR"] = str(data)
    # rate limits off: the pacing of the clients whose documents give a quota too (the sandbox's info
    # sets it when a quota is on)
    for host in QUOTAS:
        environment.setdefault(f"SOURCES__{host.upper()}__MAX_REQUESTS_PER_WINDOW", "1000000")
    return {**environment, **extra}


def pipeline_run(data: Path, log: Path, *options: str) -> Measured:
    measured = measure([LISTINGS, "run", "--sandbox", "--in-process", *options], pipeline_environment(data), log)
    measured.steps = last_run_steps(data)
    return measured


def raw_listings(warehouse: Path) -> dict[str, dict[str, int]]:
    """Per host and account: listings stored (after a first full load: the listings served)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            host: dict(
                con.execute(
                    f"select account_id, count(distinct source_listing_id) from raw_{host}.listings "
                    "where not is_removal group by 1"
                ).fetchall()
            )
            for host in HOSTS
        }


def save_payloads(warehouse: Path, folder: Path) -> list[Path]:
    """The payloads the full load stored, one newline-delimited JSON file per host."""
    files = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for host in HOSTS:
            path = folder / f"{host}.ndjson"
            cursor = con.execute(f"select payload from raw_{host}.listings where not is_removal")
            with path.open("w") as out:
                while rows := cursor.fetchmany(10_000):
                    out.writelines(row[0] + "\n" for row in rows)
            files.append(path)
    return files


FLOOR = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
for path in sys.argv[2:]:
    con.execute(f"create table \\"{path}\\" as select * from read_json('{path}', format='newline_delimited')")
con.close()
"""


def floor(files: list[Path], work: Path, log: Path) -> tuple[Measured, int]:
    database = work / "floor.duckdb"
    measured = measure([sys.executable, "-c", FLOOR, str(database), *map(str, files)], dict(os.environ), log)
    size = database.stat().st_size
    database.unlink()
    return measured, size


def file_size(*paths: Path) -> int:
    return sum(path.stat().st_size for path in paths if path.exists())


def one_run(listings: int, work: Path, log: Path, incremental: bool = True) -> dict[str, Any]:
    data = work / "data"
    data.mkdir(parents=True)
    sandbox = SandboxProcess(data, listings)
    try:
        before, serving_before = sandbox.requests(), sandbox.cpu_seconds()
        full_raw = pipeline_run(data, log, "--no-marts")
        after, serving_cpu = sandbox.requests(), sandbox.cpu_seconds() - serving_before
        full_marts = pipeline_run(data, log, "--marts-only")
        served = raw_listings(data / "warehouse.duckdb")
        files = save_payloads(data / "warehouse.duckdb", work)
        floor_run, floor_bytes = floor(files, work, log)
        payload_bytes = file_size(*files)
        for path in files:
            path.unlink()
        result: dict[str, Any] = {
            "listings": sum(sum(accounts.values()) for accounts in served.values()),
            "served": served,
            "full_requests": {host: after[host] - before[host] for host in HOSTS},
            "full_sandbox_cpu_seconds": serving_cpu,
            "floor": asdict(floor_run),
            "floor_db_bytes": floor_bytes,
            "payload_bytes": payload_bytes,
            "full_raw": asdict(full_raw),
            "full_marts": asdict(full_marts),
            "warehouse_bytes": file_size(data / "warehouse.duckdb", data / "warehouse.duckdb.wal"),
            "serving_bytes": file_size(data / "serving.duckdb"),
        }
        for share in INCREMENTAL_SHARES if incremental else ():
            changes = sandbox.advance(share)["changes"]
            before = sandbox.requests()
            raw = pipeline_run(data, log, "--no-marts")
            after = sandbox.requests()
            marts = pipeline_run(data, log, "--marts-only")
            result[incremental_key(share)] = {
                "changes": sum(sum(kinds.values()) for kinds in changes.values()),
                "requests": {host: after[host] - before[host] for host in HOSTS},
                "raw": asdict(raw),
                "marts": asdict(marts),
            }
        return result
    finally:
        sandbox.stop()


def quota_run(host: str, listings: int, window: float, work: Path, log: Path) -> dict[str, float]:
    """One full scan of ``host`` unthrottled, one at its documented quota's requests per ``window``
    seconds (the sandbox enforces it, the client paces to it); the floor is the windows the quota
    forces, plus the unthrottled time of the last window's requests."""
    sizes = default_sizes()
    total = listings * sum(sum(accounts.values()) for accounts in sizes.values()) // sum(sizes[host].values())
    quota = QUOTAS[host][0]
    seconds = {}
    for name, rate_limits in (("unthrottled", {}), ("throttled", {host: f"{quota}/{window}"})):
        data = work / host / name
        data.mkdir(parents=True)
        sandbox = SandboxProcess(data, total, rate_limits)
        try:
            before = sandbox.requests()[host]
            run = pipeline_run(data, log, host, "--no-marts")
            made = sandbox.requests()[host] - before
            seconds[name] = run.steps[host]
        finally:
            sandbox.stop()
    windows = math.ceil(made / quota)
    last_window = made - (windows - 1) * quota
    rate_floor = (windows - 1) * window + seconds["unthrottled"] * last_window / made
    return {"quota": quota, "requests": made, "window": window, **seconds, "floor": rate_floor}


# ---- report ------------------------------------------------------------------------------------
def at(run: dict[str, Any], *path: str) -> Any:
    value: Any = run
    for key in path:
        value = value[key]
    return value


def median(runs: list[dict[str, Any]], *path: str) -> float:
    return statistics.median(at(run, *path) for run in runs)


FULL_LOAD = (("full_raw",), ("full_marts",))  # its two commands


def commands(run: dict[str, Any], *paths: tuple[str, ...]) -> dict[str, float]:
    """Commands run one after the other, as one: their seconds added, the largest peak RSS."""
    measured = [at(run, *path) for path in paths]
    return {
        "seconds": sum(m["seconds"] for m in measured),
        "cpu_seconds": sum(m["cpu_seconds"] for m in measured),
        "peak_mb": max(m["peak_mb"] for m in measured),
    }


def steps_of(kind: str, steps: dict[str, float]) -> float:
    """A run's time in provider steps (raw) or in the others (dbt, publish)."""
    return sum(seconds for step, seconds in steps.items() if (step in HOSTS) == (kind == "raw"))


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    versions = {
        package: version(package) for package in ("duckdb", "dlt", "dagster", "dbt-core", "dbt-duckdb", "pyarrow")
    }
    return (
        f"{model}, {os.cpu_count()} cores, {memory_gb:.0f} GB RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; " + ", ".join(f"{name} {v}" for name, v in versions.items())
    )


def scale_section(runs: list[dict[str, Any]]) -> list[str]:
    n = int(median(runs, "listings"))
    floor_s = median(runs, "floor", "seconds")
    floor_mb = median(runs, "floor", "peak_mb")

    def row(name: str, *paths: tuple[str, ...]) -> str:
        measured = [commands(run, *paths) for run in runs]
        seconds, cpu, peak = (median(measured, key) for key in ("seconds", "cpu_seconds", "peak_mb"))
        return (
            f"| {name} | {seconds:,.1f} | {n / seconds:,.0f} | {seconds / floor_s:,.1f}x | {cpu:,.1f} "
            f"| {peak:,.0f} | {peak / floor_mb:,.1f}x |"
        )

    lines = [
        f"### {n:,} listings ({len(runs)} run{'s' if len(runs) > 1 else ''}, medians)",
        "",
        "| phase | seconds | listings/s | time vs floor | CPU s | peak RSS MB | RSS vs floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("DuckDB `read_json` of the same payloads (floor)", ("floor",)),
        row("full load: extract -> raw", ("full_raw",)),
        row("full load: raw -> marts", ("full_marts",)),
        row("**full load: together**", *FULL_LOAD),
    ]
    measured_shares = [share for share in INCREMENTAL_SHARES if incremental_key(share) in runs[0]]
    for share in measured_shares:
        key = incremental_key(share)
        changes = int(median(runs, key, "changes"))
        lines.append(
            row(
                f"incremental, {share:.0%} changed ({changes:,} changes): load + marts",
                (key, "raw"),
                (key, "marts"),
            )
        )

    def mb(key: str) -> str:
        return f"{median(runs, key) / 1e6:,.0f}"

    in_steps = {
        "extract -> raw": statistics.median(steps_of("raw", run["full_raw"]["steps"]) for run in runs),
        "raw -> marts": statistics.median(steps_of("marts", run["full_marts"]["steps"]) for run in runs),
    }
    serving = ""
    if "full_sandbox_cpu_seconds" in runs[0]:
        serving_cpu = median(runs, "full_sandbox_cpu_seconds")
        serving = (
            f" The sandbox used {serving_cpu:,.1f} CPU s serving the full scan: being one Python process,"
            f" a floor under the scan's wall time of {serving_cpu / floor_s:,.1f}x the `read_json` floor."
        )
    lines += [
        "",
        "Inside Dagster's steps (without the process start and definitions load): "
        + "; ".join(
            f"{name} {seconds:,.1f} s ({seconds / floor_s:,.1f}x the floor)" for name, seconds in in_steps.items()
        )
        + "."
        + serving,
        f"Sizes: payloads as NDJSON {mb('payload_bytes')} MB; the floor's database {mb('floor_db_bytes')} MB; "
        f"the warehouse after the full load {mb('warehouse_bytes')} MB "
        f"({median(runs, 'warehouse_bytes') / median(runs, 'floor_db_bytes'):.1f}x), "
        f"the serving file {mb('serving_bytes')} MB.",
        "",
        "| host | accounts | listings | full-scan requests | minimum | bound (+2 per account) | requests / minimum "
        "| incremental 1%: step s / full | 10%: step s / full |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for host in HOSTS:
        accounts = runs[0]["served"][host]
        minimum = minimum_requests(host, accounts)
        made = int(median(runs, "full_requests", host))
        full_step = median(runs, "full_raw", "steps", host)
        shares = [
            f"{median(runs, incremental_key(share), 'raw', 'steps', host) / full_step:.0%}"
            if share in measured_shares
            else "-"
            for share in INCREMENTAL_SHARES
        ]
        lines.append(
            f"| {host}{' (server-side cursor)' if host in SERVER_SIDE_CURSOR else ''} | {len(accounts)} "
            f"| {sum(accounts.values()):,} | {made:,} | {minimum:,} | {minimum + 2 * len(accounts):,} "
            f"| {made / minimum:.3f} | {shares[0]} | {shares[1]} |"
        )
    return lines


def targets(results: dict[int, list[dict[str, Any]]], quotas: dict[str, dict[str, float]]) -> list[str]:
    lines = ["### Targets", ""]
    if 100_000 in results:
        runs = results[100_000]
        full = statistics.median(commands(run, *FULL_LOAD)["seconds"] for run in runs)
        ratio = full / median(runs, "floor", "seconds")
        verdict = "met" if ratio <= 2 else "missed"
        lines.append(f"- Full load at 100k within 2x the `read_json` floor: {ratio:,.1f}x: **{verdict}**.")
    for n, runs in results.items():
        one_percent = incremental_key(0.01)
        for host in SERVER_SIDE_CURSOR if one_percent in runs[0] else ():
            share = median(runs, one_percent, "raw", "steps", host) / median(runs, "full_raw", "steps", host)
            lines.append(
                f"- {n:,}: {host} incremental (1% changed) within 10% of its full load: {share:.0%}: "
                f"**{'met' if share <= 0.10 else 'missed'}**."
            )
        over = []
        for host in HOSTS:
            accounts = runs[0]["served"][host]
            bound = minimum_requests(host, accounts) + 2 * len(accounts)
            if median(runs, "full_requests", host) > bound:
                over.append(f"{host} ({int(median(runs, 'full_requests', host)):,} > {bound:,})")
        lines.append(
            f"- {n:,}: requests per full scan within ceil(N/page)+2 per account: "
            + (f"**missed** by {', '.join(over)}." if over else "**met** by every host.")
        )
        peak = max(commands(run, *FULL_LOAD)["peak_mb"] for run in runs)
        lines.append(f"- {n:,}: peak RSS under 1 GB: {peak:,.0f} MB at most: **{'met' if peak < 1024 else 'missed'}**.")
    for host, quota in quotas.items():
        over = quota["throttled"] / quota["floor"] - 1
        lines.append(
            f"- {host} full scan at {quota['quota']:.0f} requests per window within 5% of the quota's floor: "
            f"{quota['requests']:.0f} requests, {quota['throttled']:.1f} s against a floor of {quota['floor']:.1f} s "
            f"({over:+.1%}; window {quota['window']:g} s, unthrottled {quota['unthrottled']:.1f} s): "
            f"**{'met' if over <= 0.05 else 'missed'}**."
        )
    return lines


def report(results: dict[int, list[dict[str, Any]]], quotas: dict[str, dict[str, float]], command: str) -> str:
    lines = [
        BEGIN,
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Machine: {machine()}.",
        "",
    ]
    for runs in results.values():
        lines += scale_section(runs) + [""]
    lines += targets(results, quotas) + ["", END]
    return "\n".join(lines)


def write_report(generated: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    REPORT.write_text(head + generated + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per scale (medians)")
    parser.add_argument("--large-runs", type=int, default=1, help="runs at --large-from listings and above")
    parser.add_argument("--large-from", type=int, default=1_000_000)
    parser.add_argument(
        "--full-only-from", type=int, help="from this many listings, the full load only (no incremental days)"
    )
    parser.add_argument(
        "--quota-listings",
        type=int,
        default=1_000,
        help="listings of each provider with a documented quota, scanned against it (0: no quota run)",
    )
    parser.add_argument(
        "--quota-window",
        type=float,
        default=15.0,
        help="the quota's window, shortened: "
        + ", ".join(f"{host} documents {quota[0]} per {quota[1]:g} s" for host, quota in QUOTAS.items()),
    )
    parser.add_argument("--no-report", action="store_true", help="print the results; leave BENCHMARKS.md")
    options = parser.parse_args()
    command = "make bench" if sys.argv[1:] == [] else "scripts/bench.py " + " ".join(sys.argv[1:])
    work_root = Path(tempfile.mkdtemp(prefix="listings-bench-"))
    log = work_root / "bench.log"
    print(f"# work folder and log: {log}", flush=True)
    results: dict[int, list[dict[str, Any]]] = {}
    try:
        for listings in options.scales:
            runs = options.large_runs if listings >= options.large_from else options.runs
            for index in range(runs):
                started = time.perf_counter()
                work = work_root / f"{listings}-{index}"
                incremental = options.full_only_from is None or listings < options.full_only_from
                results.setdefault(listings, []).append(one_run(listings, work, log, incremental))
                shutil.rmtree(work, ignore_errors=True)
                print(
                    f"# {listings:,} listings, run {index + 1}/{runs}: {time.perf_counter() - started:,.0f} s",
                    flush=True,
                )
        quotas = {
            host: quota_run(host, options.quota_listings, options.quota_window, work_root / "quota", log)
            for host in (QUOTAS if options.quota_listings else ())
        }
        (work_root / "results.json").write_text(json.dumps({"scales": results, "quotas": quotas}, indent=1))
        generated = report(results, quotas, command)
        print(generated)
        if not options.no_report:
            write_report(generated)
            print(f"# written to {REPORT}")
    finally:
        shutil.rmtree(work_root / "quota", ignore_errors=True)


if __name__ == "__main__":
    main()
