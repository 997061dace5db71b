"""``make bench``: the whole pipeline at 10k, 100k and 1M listings against a replay of the sandbox,
set against DuckDB's ``read_json`` and the raw HTTP floor of the same payloads.

    .venv/bin/python scripts/bench.py [--scales 10000 100000 1000000] [--runs 3] [--large-runs 1]

Each run starts from nothing: a sandbox (``listings sandbox serve``, its own process, rate limits off)
scaled to the listings asked for, across every provider host of the registry, and in front of it a
replay server (``python -m listings_sandbox.replay``, a third process): the pipeline talks to the
replay server only. The sandbox builds every payload on request in one Python process, on the same
cores as the pipeline (24 CPU s serving a 100k scan); the replay server records its answers once and
serves the same bytes again at next to no CPU, so the pipeline's own time is what is measured. Each
measured command is recorded first, on a scratch data folder in the same state, so its requests are
the recorded ones; a request the replay server has not recorded goes to the sandbox and counts as a
miss (reported; it should be 0). In a run:
1. full load: recorded by ``listings run --sandbox --no-marts`` into a scratch data folder; then,
   replayed, into a fresh one: ``listings run --sandbox --no-marts`` (extract -> raw; a step process
   per provider, as an operator runs it), then ``listings run --marts-only`` (raw -> marts,
   published): each a fresh process, timed as a whole, with its CPU (its step processes', and the
   fork server's they start from, included: the bench adopts what a command leaves behind), its
   peak RSS (the largest process of it: Dagster's, a step process, or the dbt it starts) and its
   Dagster steps' own durations (without the process start);
2. the floors, each a fresh process: DuckDB's ``read_json`` of the payloads the load stored (written
   to newline-delimited JSON files) into a new database; and the raw HTTP floor, every request of the
   recorded full load fetched again from the replay server with ``requests`` (a session per thread,
   ``--http-threads``), nothing parsed. Every figure is also given as a ratio to ``read_json``, and
   the client's CPU per listing (the extract command's CPU s / listings) beside ``read_json``'s;
3. incremental days: the sandbox advances a day that changes nothing (every listing still listed,
   a day older); the measured data folder is copied to a scratch folder, the day recorded there, then
   replayed on the measured folder: load and marts again, timed (a day's pipeline time is both
   commands' wall). Then a day that changes 1% of live listings, then one that changes 10%. The
   day that changes nothing is the floor of a day: what every day costs whatever changed (the
   rescans of the providers without a server-side cursor, dbt's and Dagster's fixed costs); a day's
   own cost is its time above that floor, set against the full load's above it.
Requests are counted by the replay server in the measured command and set against the minimum:
ceil(N / max page size) per account (plus one request per lookup list a provider has beside its
listings). The page sizes, lookup lists, server-side cursors and quotas are the sandbox provider
modules' (``SANDBOX``, read from the documents).
The photo mirror is off (``LISTINGS_MIRROR_PHOTOS=none``): a first mirror downloads every AvaroAI
photo, paced by the provider's quota within its own budget, and would add its minutes to the full
load's marts command.
Once per bench, at demo scale (the sandbox's default sizes, as ``listings demo``): a full load, then
a multiprocess ``listings run --sandbox`` (a process per step, as an operator runs it) with nothing
changed, recorded in the loaded folder (then put back as it was, so that dbt keeps its parse as on
any day), then replayed ``--no-change-runs`` times (median); then as many times each of its two parts
alone, its floor: the raw loads (``--no-marts``), and ``listings dbt build`` without Dagster.
A last part scans each provider whose document gives a quota against it on the live sandbox, with the
window shortened (``--quota-window``, the simulated clock), and compares it with the quota's floor.

Medians over ``--runs`` runs (``--large-runs`` from ``--large-from`` listings, 1M by default: one run
there takes tens of minutes). ``--full-only-from N`` leaves out the incremental days from N listings
up. The results replace the generated part of BENCHMARKS.md, with the machine, the date and the
command, and a table of the targets with this run's figures. A target named at 100k or 1M is judged
at the measured scale nearest to it, and says so when that is another.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import platform
import resource
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

import requests

from listings_sandbox import provider_module
from listings_sandbox.app import default_sizes
from orchestration.cli.instance import instance_at
from orchestration.registry import provider_names
from orchestration.settings import MIRROR_PHOTOS_ENV

REPO_ROOT = Path(__file__).resolve().parent.parent
LISTINGS = str(Path(sys.executable).parent / "listings")
REPORT = REPO_ROOT / "BENCHMARKS.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
HOSTS = tuple(provider_names())  # the registry's providers, each a sandbox host
# whose list takes a "created or updated since" filter
SERVER_SIDE_CURSOR = tuple(host for host in HOSTS if provider_module(host).updated_since)
# host -> (requests, window seconds) its document gives; its client paces to it unless told otherwise
QUOTAS = {host: provider_module(host).documented_quota for host in HOSTS if provider_module(host).documented_quota}
# of live listings changed by the day before an incremental run: 0, a day that changes nothing
INCREMENTAL_SHARES = (0.0, 0.01, 0.10)
DEMO_LISTINGS = sum(sum(accounts.values()) for accounts in default_sizes().values())  # listings demo's scale
# the targets (the issue's): a 1%-changed day's pipeline time against a full load's; a no-change run at
# demo scale; the client's CPU per listing against read_json's; the full load at 1M; peak RSS
DAY_SHARE_TARGET, NO_CHANGE_TARGET_S, CLIENT_CPU_TARGET = 0.10, 20.0, 3.0
FULL_LOAD_1M_TARGET_S, PEAK_RSS_TARGET_MB = 300.0, 1024.0


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
    steps_span: float | None = None  # from the first step's start to the last one's end


def measure(command: list[str], environment: dict[str, str], log: Path) -> Measured:
    started = time.perf_counter()
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        children_before = set(child_pids())
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        # wait4's usage covers the process and the children it waited for: maxrss is the largest one's
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"`{' '.join(command)}` failed ({process.returncode}); its output is in {log}")
    cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    for left_behind in reap_left_behind(set(child_pids()) - children_before):
        cpu, peak = cpu + left_behind.ru_utime + left_behind.ru_stime, max(peak, left_behind.ru_maxrss)
    return Measured(seconds, cpu, peak / 1024)


PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def adopt_orphans() -> None:
    """Make this process the subreaper of its descendants: a process a command leaves behind when it
    exits is handed to this one, not to init. The multiprocess executor's step processes are children
    of a fork server that is a child of the command, and that the command does not wait for: it exits
    after the command, so its CPU, and its step processes' (which it waited for), would go uncounted."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def reap_left_behind(pids: set[int], timeout_s: float = 60.0) -> list[os.struct_rusage]:
    """The resource usage of each process in ``pids`` (those a finished command left behind, see
    ``adopt_orphans``), waited for until it exits: the fork server and multiprocessing's resource
    tracker exit when their parent's pipe closes; one still there after ``timeout_s`` is killed."""
    usages = []
    deadline = time.monotonic() + timeout_s
    for pid in pids:
        while (reaped := os.wait4(pid, os.WNOHANG))[0] == 0:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        usages.append(reaped[2])
    return usages


def child_pids() -> list[int]:
    """The processes whose parent is this one (Linux)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_fields(int(stat.parent.name))
        except OSError:  # it ended meanwhile
            continue
        if int(fields[1]) == os.getpid():
            pids.append(int(stat.parent.name))
    return pids


def prepare_dbt_project() -> None:
    """Parse the dbt project now if it changed since its last parse, as a deployment does once per
    release (the definitions' ``listings_dbt_project``): the first marts command measured after an
    edit would otherwise carry a whole ``dbt parse`` (about 14 s here), which no routine run pays."""
    prepare = "from orchestration.defs.transform.assets import listings_dbt_project; listings_dbt_project()"
    subprocess.run([sys.executable, "-c", prepare], env=pipeline_environment(Path(tempfile.gettempdir())), check=True)


def run_ids(data: Path) -> set[str]:
    """The Dagster runs recorded under ``data`` so far."""
    if not (data / "dagster").exists():
        return set()
    with instance_at(data / "dagster") as instance:
        return {run.run_id for run in instance.get_runs()}


def steps_since(data: Path, earlier: set[str]) -> tuple[dict[str, float], float | None]:
    """Step -> seconds of every Dagster run under ``data`` but ``earlier`` (a `listings run` starts
    several: the loads, the marts, the photo mirror), and their span: from the first step's start to
    the last one's end (the provider steps run side by side)."""
    with instance_at(data / "dagster") as instance:
        runs = [run.run_id for run in instance.get_runs() if run.run_id not in earlier]
        stats = [step for run_id in runs for step in instance.get_run_step_stats(run_id)]
    if not stats:
        return {}, None
    span = max(step.end_time for step in stats) - min(step.start_time for step in stats)
    return {step.step_key: step.end_time - step.start_time for step in stats}, span


def stat_fields(pid: int) -> list[str]:
    """A process's /proc stat fields after its command name (Linux): state, parent, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_cpu_seconds(pid: int) -> float:
    """CPU time a process has used (Linux)."""
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def process_peak_mb(pid: int) -> float:
    """A running process's peak RSS (Linux: VmHWM)."""
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def wait_for_file(path: Path, process: subprocess.Popen, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while not path.exists() or not path.read_text().strip().endswith("}"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start")
        time.sleep(0.2)
    return json.loads(path.read_text())


class SandboxProcess:
    """``listings sandbox serve`` in its own process, so its memory and CPU are not the pipeline's."""

    def __init__(self, info_file: Path, listings: int | None, rate_limits: dict[str, str] | None = None) -> None:
        """``listings``: None for the default sizes; ``rate_limits``: host -> ``N/SECONDS``, the only
        quotas the sandbox enforces (none by default)."""
        self.info_file = info_file
        command = [LISTINGS, "sandbox", "serve", "--seed", "1", "--no-rate-limits"]
        if listings is not None:
            command += ["--total-listings", str(listings)]
        for host, rate in (rate_limits or {}).items():
            command += ["--rate-limit", f"{host}={rate}"]
        command += ["--info-file", str(self.info_file)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.control = wait_for_file(self.info_file, self.process, "the sandbox")["control_url"]

    def requests(self) -> dict[str, int]:
        return {
            host: requests.get(f"{self.control}/stats/{host}", timeout=60).json().get("requests", 0) for host in HOSTS
        }

    def advance(self, changed_share: float) -> dict[str, Any]:
        return requests.post(f"{self.control}/advance", json={"changed_share": changed_share}, timeout=600).json()

    def cpu_seconds(self) -> float:
        """Serving is part of the scan's cost on a shared machine."""
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


class ReplayProcess:
    """``listings_sandbox.replay`` in front of a sandbox, in its own process: records its answers, then
    serves them again (``sandbox/listings_sandbox/replay.py``)."""

    def __init__(self, sandbox: SandboxProcess, work: Path) -> None:
        self.info_file = work / "replay.json"
        command = [sys.executable, "-m", "listings_sandbox.replay", "--upstream-info", str(sandbox.info_file)]
        command += ["--info-file", str(self.info_file), "--folder", str(work / "recording")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.info = wait_for_file(self.info_file, self.process, "the replay server")
        self.control = self.info["replay_url"]

    def point(self, data: Path) -> None:
        """``listings run --sandbox`` on ``data`` talks to this server (it reads data/sandbox.json)."""
        data.mkdir(parents=True, exist_ok=True)
        path = data / "sandbox.json"
        path.write_text(json.dumps(self.info))
        path.chmod(0o600)  # the sandbox's credentials

    def call(self, method: str, path: str, **body: Any) -> Any:
        response = requests.request(method, self.control + path, json=body or None, timeout=600)
        response.raise_for_status()
        return response.json()

    def record(self) -> None:
        """Forget what was recorded; record from now on."""
        self.call("POST", "/clear")
        self.call("POST", "/mode", mode="record")

    def replay(self) -> None:
        """Serve what was recorded from now on; counts from zero."""
        self.call("POST", "/mode", mode="replay")
        self.call("POST", "/reset-stats")

    def stats(self) -> dict[str, Any]:
        return self.call("GET", "/stats")

    def recorded(self) -> list[dict[str, Any]]:
        return self.call("GET", "/recorded")

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def peak_mb(self) -> float:
        return process_peak_mb(self.process.pid)

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
    # no photo mirror: its downloads are paced by AvaroAI's quota (20 a minute) within their own
    # budget in a run of their own, and would add a first mirror's minutes to the full load's marts
    environment.setdefault(MIRROR_PHOTOS_ENV, "none")
    # rate limits off: the pacing of the clients whose documents give a quota too (the sandbox's info
    # sets it when a quota is on)
    for host in QUOTAS:
        environment.setdefault(f"SOURCES__{host.upper()}__MAX_REQUESTS_PER_WINDOW", "1000000")
    return {**environment, **extra}


def pipeline_run(data: Path, log: Path, *options: str) -> Measured:
    """``listings run --sandbox *options`` as an operator runs it: a step process per provider."""
    command = [LISTINGS, "run", "--sandbox", *options]
    earlier = run_ids(data)
    measured = measure(command, pipeline_environment(data), log)
    measured.steps, measured.steps_span = steps_since(data, earlier)
    return measured


def replayed(replay: ReplayProcess, scratch: Path, measured: Path, log: Path, *options: str) -> dict[str, Any]:
    """Record ``listings run --sandbox *options`` on ``scratch``, a data folder in the state
    ``measured`` is in (or a fresh one), then replay it on ``measured``, timed; then its marts, timed.
    The replay server's counts and CPU are those of the measured load."""
    replay.point(scratch)
    replay.record()
    recording = pipeline_run(scratch, log, *options, "--no-marts")
    shutil.rmtree(scratch)
    replay.replay()
    replay.point(measured)
    cpu_before = replay.cpu_seconds()
    raw = pipeline_run(measured, log, *options, "--no-marts")
    replay_cpu = replay.cpu_seconds() - cpu_before
    stats = replay.stats()
    marts = pipeline_run(measured, log, "--marts-only")
    return {
        "raw": asdict(raw),
        "marts": asdict(marts),
        "recording": asdict(recording),
        "requests": {host: stats["hosts"][host].get("requests", 0) for host in HOSTS},
        "misses": stats["misses"],
        "miss_samples": stats["miss_samples"],
        "replay_cpu_seconds": replay_cpu,
    }


RAW_LISTINGS = """
import json, sys, duckdb
with duckdb.connect(sys.argv[1], read_only=True) as con:
    con.execute("set enable_progress_bar = false")
    print(json.dumps({
        host: dict(con.execute(
            f"select account_id, count(distinct source_listing_id) from raw_{host}.listings "
            "where not is_removal group by 1"
        ).fetchall())
        for host in sys.argv[2:]
    }))
"""


def raw_listings(warehouse: Path) -> dict[str, dict[str, int]]:
    """Per host and account: listings stored (after a first full load: the listings served)."""
    return in_child(RAW_LISTINGS, str(warehouse), *HOSTS)


SAVE_PAYLOADS = """
import sys, duckdb
with duckdb.connect(sys.argv[1], read_only=True) as con:
    con.execute("set enable_progress_bar = false")
    for host, path in zip(sys.argv[2::2], sys.argv[3::2]):
        cursor = con.execute(f"select payload from raw_{host}.listings where not is_removal")
        with open(path, "w") as out:
            while rows := cursor.fetchmany(10_000):
                out.writelines(row[0] + "\\n" for row in rows)
"""


def save_payloads(warehouse: Path, folder: Path) -> list[Path]:
    """The payloads the full load stored, one newline-delimited JSON file per host."""
    files = {host: folder / f"{host}.ndjson" for host in HOSTS}
    in_child(SAVE_PAYLOADS, str(warehouse), *(str(part) for item in files.items() for part in item))
    return list(files.values())


def in_child(script: str, *args: str) -> Any:
    """What ``script`` prints (JSON, or nothing), run in a process of its own; a script that uses
    DuckDB turns its progress bar off, which prints to stdout on a query of more than two seconds.

    Never DuckDB in this process: a command's peak RSS, as wait4 reports it, is at least this
    process's own peak, since exec records the high-water mark of the address space it leaves, and
    subprocess spawns with vfork, whose address space is this one's (reading 1M payloads here once
    made every later command's peak RSS 1.7 GB)."""
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"a bench step's child process failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout) if done.stdout.strip() else None


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


HTTP_FLOOR = """
import json, sys, threading, requests
calls, threads = json.loads(open(sys.argv[1]).read()), int(sys.argv[2])
def fetch(index):
    with requests.Session() as session:
        for call in calls[index::threads]:
            session.request(call["method"], call["url"], headers=call["headers"], timeout=600).content
workers = [threading.Thread(target=fetch, args=(index,)) for index in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
"""


def http_floor(replay: ReplayProcess, work: Path, log: Path, threads: int) -> dict[str, Any]:
    """Every recorded request fetched again from the replay server, nothing parsed: what any client of
    these payloads pays for HTTP alone on this machine."""
    calls = replay.recorded()
    listing = work / "requests.json"
    listing.write_text(json.dumps(calls))
    listing.chmod(0o600)  # the sandbox's credentials
    replay.call("POST", "/reset-stats")
    measured = measure([sys.executable, "-c", HTTP_FLOOR, str(listing), str(threads)], dict(os.environ), log)
    listing.unlink()
    return {
        **asdict(measured),
        "requests": len(calls),
        "bytes": sum(call["bytes"] for call in calls),
        "misses": replay.stats()["misses"],
    }


def file_size(*paths: Path) -> int:
    return sum(path.stat().st_size for path in paths if path.exists())


def one_run(listings: int, work: Path, log: Path, incremental: bool = True, http_threads: int = 2) -> dict[str, Any]:
    data, scratch = work / "data", work / "scratch"
    sandbox = SandboxProcess(work / "sandbox.json", listings)
    replay = ReplayProcess(sandbox, work)
    try:
        serving_before = sandbox.cpu_seconds()
        full = replayed(replay, scratch, data, log)
        sandbox_cpu = sandbox.cpu_seconds() - serving_before
        served = raw_listings(data / "warehouse.duckdb")
        files = save_payloads(data / "warehouse.duckdb", work)
        floor_run, floor_bytes = floor(files, work, log)
        payload_bytes = file_size(*files)
        for path in files:
            path.unlink()
        result: dict[str, Any] = {
            "listings": sum(sum(accounts.values()) for accounts in served.values()),
            "served": served,
            "full_requests": full["requests"],
            "full_misses": full["misses"],
            "full_miss_samples": full["miss_samples"],
            "full_recording": full["recording"],
            "full_sandbox_cpu_seconds": sandbox_cpu,
            "full_replay_cpu_seconds": full["replay_cpu_seconds"],
            "floor": asdict(floor_run),
            "floor_db_bytes": floor_bytes,
            "payload_bytes": payload_bytes,
            "http_floor": http_floor(replay, work, log, http_threads),
            "full_raw": full["raw"],
            "full_marts": full["marts"],
            "warehouse_bytes": file_size(data / "warehouse.duckdb", data / "warehouse.duckdb.wal"),
            "serving_bytes": file_size(data / "serving.duckdb"),
        }
        for share in INCREMENTAL_SHARES if incremental else ():
            changes = sandbox.advance(share)["changes"]
            shutil.copytree(data, scratch)
            day = replayed(replay, scratch, data, log)
            result[incremental_key(share)] = {"changes": sum(sum(kinds.values()) for kinds in changes.values()), **day}
        result["replay_peak_mb"] = replay.peak_mb()
        result["bench_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return result
    finally:
        replay.stop()
        sandbox.stop()


def no_change_run(runs: int, work: Path, log: Path) -> dict[str, Any]:
    """At demo scale: a full load, then ``runs`` multiprocess ``listings run --sandbox`` with nothing
    changed, each replayed from one recorded on a copy of the loaded folder."""
    data, scratch = work / "data", work / "scratch"
    work.mkdir(parents=True)
    sandbox = SandboxProcess(work / "sandbox.json", None)
    replay = ReplayProcess(sandbox, work)
    try:
        replay.point(data)
        pipeline_run(data, log)  # the full load, through the replay server recording
        # the no-change run is recorded in the data folder itself, which then goes back to the state
        # it was in: dbt keeps its parse for a build in the same folder (a day's steady state), and
        # would parse the whole project again after a build in another (its profile names the file)
        shutil.copytree(data, scratch)
        replay.record()
        pipeline_run(data, log)
        shutil.rmtree(data)
        scratch.rename(data)
        replay.replay()
        replay.point(data)
        measured = [asdict(pipeline_run(data, log)) for _ in range(runs)]
        stats = replay.stats()
        # its two parts alone: the raw loads (the CLI's start and the six providers' scans and loads),
        # and the marts step's dbt build without Dagster
        raw_alone = [asdict(pipeline_run(data, log, "--no-marts")) for _ in range(runs)]
        dbt_build = [LISTINGS, "dbt", "build", "--exclude-resource-type", "unit_test"]
        dbt_alone = [asdict(measure(dbt_build, pipeline_environment(data), log)) for _ in range(runs)]
        return {
            "listings": sum(sum(accounts.values()) for accounts in raw_listings(data / "warehouse.duckdb").values()),
            "runs": measured,
            "raw_alone": raw_alone,
            "dbt_alone": dbt_alone,
            "requests": sum(host.get("requests", 0) for host in stats["hosts"].values()),
            "misses": stats["misses"],
            "miss_samples": stats["miss_samples"],
        }
    finally:
        replay.stop()
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)


def quota_run(host: str, listings: int, window: float, work: Path, log: Path) -> dict[str, float]:
    """One full scan of ``host`` unthrottled, one at its documented quota's requests per ``window``
    seconds (the live sandbox enforces it, the client paces to it); the floor is the windows the quota
    forces, plus the unthrottled time of the last window's requests."""
    sizes = default_sizes()
    total = listings * sum(sum(accounts.values()) for accounts in sizes.values()) // sum(sizes[host].values())
    quota = QUOTAS[host][0]
    seconds = {}
    for name, rate_limits in (("unthrottled", {}), ("throttled", {host: f"{quota}/{window}"})):
        data = work / host / name
        data.mkdir(parents=True)
        sandbox = SandboxProcess(data / "sandbox.json", total, rate_limits)
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


def day_commands(share: float) -> tuple[tuple[str, ...], ...]:
    """An incremental day's two commands: load and marts."""
    return (incremental_key(share), "raw"), (incremental_key(share), "marts")


def commands(run: dict[str, Any], *paths: tuple[str, ...]) -> dict[str, float]:
    """Commands run one after the other, as one: their seconds added, the largest peak RSS."""
    measured = [at(run, *path) for path in paths]
    return {
        "seconds": sum(m["seconds"] for m in measured),
        "cpu_seconds": sum(m["cpu_seconds"] for m in measured),
        "peak_mb": max(m["peak_mb"] for m in measured),
    }


def median_of(runs: list[dict[str, Any]], key: str, *paths: tuple[str, ...]) -> float:
    return statistics.median(commands(run, *paths)[key] for run in runs)


def steps_time(command: dict[str, Any]) -> float | None:
    """A command's time inside Dagster's steps: their span. A result saved before spans were recorded
    gives the sum of its steps where they ran one after another (no two provider steps), else None."""
    if command.get("steps_span") is not None:
        return command["steps_span"]
    steps = command["steps"]
    return sum(steps.values()) if sum(step in HOSTS for step in steps) <= 1 else None


def in_steps(run: dict[str, Any], raw: tuple[str, ...], marts: tuple[str, ...]) -> float | None:
    """A load and its marts inside Dagster's steps (without the process start and definitions load)."""
    load, build = steps_time(at(run, *raw)), steps_time(at(run, *marts))
    return None if load is None or build is None else load + build


def median_or_none(values: list[float | None]) -> float | None:
    return None if None in values else statistics.median(values)


def measured_shares(runs: list[dict[str, Any]]) -> list[float]:
    return [share for share in INCREMENTAL_SHARES if incremental_key(share) in runs[0]]


def all_commands(run: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every pipeline command of a run (the floors and the recordings are not the pipeline's)."""
    return [*FULL_LOAD, *(path for share in measured_shares([run]) for path in day_commands(share))]


def client_cpu_per_listing(runs: list[dict[str, Any]]) -> tuple[float, float]:
    """Microseconds of CPU per listing: the extract command's, and read_json's."""
    n = median(runs, "listings")
    return median(runs, "full_raw", "cpu_seconds") / n * 1e6, median(runs, "floor", "cpu_seconds") / n * 1e6


def misses(run: dict[str, Any]) -> int:
    return run["full_misses"] + sum(run[incremental_key(share)]["misses"] for share in measured_shares([run]))


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
        seconds, cpu, peak = (median_of(runs, key, *paths) for key in ("seconds", "cpu_seconds", "peak_mb"))
        return (
            f"| {name} | {seconds:,.1f} | {n / seconds:,.0f} | {seconds / floor_s:,.1f}x | {cpu:,.1f} "
            f"| {peak:,.0f} | {peak / floor_mb:,.1f}x |"
        )

    http_requests, http_bytes = int(median(runs, "http_floor", "requests")), median(runs, "http_floor", "bytes")
    lines = [
        f"### {n:,} listings ({len(runs)} run{'s' if len(runs) > 1 else ''}, medians)",
        "",
        "| phase | seconds | listings/s | time vs floor | CPU s | peak RSS MB | RSS vs floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("DuckDB `read_json` of the same payloads (floor)", ("floor",)),
        row(
            f"raw HTTP: the full load's {http_requests:,} requests from the replay server, not parsed", ("http_floor",)
        ),
        row("full load: extract -> raw", ("full_raw",)),
        row("full load: raw -> marts", ("full_marts",)),
        row("**full load: together**", *FULL_LOAD),
    ]
    shares = measured_shares(runs)
    for share in shares:
        changes = int(median(runs, incremental_key(share), "changes"))
        lines.append(row(f"day, {share:.0%} changed ({changes:,} changes): load + marts", *day_commands(share)))

    def mb(key: str) -> str:
        return f"{median(runs, key) / 1e6:,.0f}"

    steps = {
        "full load: extract -> raw": median_or_none([steps_time(run["full_raw"]) for run in runs]),
        "full load: raw -> marts": median_or_none([steps_time(run["full_marts"]) for run in runs]),
        **{
            f"{share:.0%} day: load + marts": median_or_none([in_steps(run, *day_commands(share)) for run in runs])
            for share in shares
        },
    }
    client_cpu, floor_cpu = client_cpu_per_listing(runs)
    recording_s = median(runs, "full_recording", "seconds")
    lines += [
        "",
        "Inside Dagster's steps (without the process start and definitions load): "
        + "; ".join(
            f"{name} {seconds:,.1f} s ({seconds / floor_s:,.1f}x the floor)"
            if seconds is not None
            else f"{name} not recorded (steps side by side, saved without their span)"
            for name, seconds in steps.items()
        )
        + ".",
        f"CPU per listing: the extract command {client_cpu:,.0f} µs, `read_json` {floor_cpu:,.0f} µs "
        f"({client_cpu / floor_cpu:,.1f}x).",
        f"Replay: {max(misses(run) for run in runs)} misses at most in a run (requests not recorded, served by "
        f"the sandbox); the replay server used {median(runs, 'full_replay_cpu_seconds'):,.1f} CPU s serving the "
        f"full load ({http_bytes / 1e6:,.0f} MB; peak RSS {median(runs, 'replay_peak_mb'):,.0f} MB), where the live "
        f"sandbox used {median(runs, 'full_sandbox_cpu_seconds'):,.1f} CPU s serving its recording "
        f"({recording_s:,.1f} s, against {median(runs, 'full_raw', 'seconds'):,.1f} s replayed).",
        f"Sizes: payloads as NDJSON {mb('payload_bytes')} MB; the floor's database {mb('floor_db_bytes')} MB; "
        f"the warehouse after the full load {mb('warehouse_bytes')} MB "
        f"({median(runs, 'warehouse_bytes') / median(runs, 'floor_db_bytes'):.1f}x), "
        f"the serving file {mb('serving_bytes')} MB.",
        *(
            [
                f"The bench's own process peaked at {median(runs, 'bench_peak_mb'):,.0f} MB, a floor under each "
                "command's peak RSS above (`in_child`)."
            ]
            if all("bench_peak_mb" in run for run in runs)
            else []
        ),
        "",
        "| host | accounts | listings | full-scan requests | minimum | bound (+2 per account) | requests / minimum | "
        + " | ".join(f"day {share:.0%}: step s / full" for share in INCREMENTAL_SHARES)
        + " |",
        "|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(INCREMENTAL_SHARES),
    ]
    for host in HOSTS:
        accounts = runs[0]["served"][host]
        minimum = minimum_requests(host, accounts)
        made = int(median(runs, "full_requests", host))
        full_step = median(runs, "full_raw", "steps", host)
        day_ratios = [
            f"{median(runs, incremental_key(share), 'raw', 'steps', host) / full_step:.0%}" if share in shares else "-"
            for share in INCREMENTAL_SHARES
        ]
        lines.append(
            f"| {host}{' (server-side cursor)' if host in SERVER_SIDE_CURSOR else ''} | {len(accounts)} "
            f"| {sum(accounts.values()):,} | {made:,} | {minimum:,} | {minimum + 2 * len(accounts):,} "
            f"| {made / minimum:.3f} | {' | '.join(day_ratios)} |"
        )
    return lines


def nearest(results: dict[int, list[dict[str, Any]]], listings: int, needs: str | None = None) -> int | None:
    """The measured scale nearest to ``listings`` (by ratio), among those whose runs have ``needs``."""
    scales = [n for n, runs in results.items() if needs is None or needs in runs[0]]
    return min(scales, key=lambda n: abs(math.log(n / listings)), default=None)


def scale_note(n: int, named: int) -> str:
    return "" if n == named else f" (at {n:,}; the target names {named:,})"


def verdict(is_met: bool) -> str:
    return "**met**" if is_met else "**missed**"


def targets(
    results: dict[int, list[dict[str, Any]]], no_change: dict[str, Any] | None, quotas: dict[str, dict[str, float]]
) -> list[str]:
    lines = [
        "### Targets",
        "",
        "Each against this run's figures: the pipeline talks to the replay server; a day's pipeline time is the "
        "wall of its `listings run` commands (load + marts).",
        "",
        "| target | limit | this run | |",
        "|---|---|---|---|",
    ]
    one_percent = incremental_key(0.01)
    for named in (100_000, 1_000_000):
        n = nearest(results, named, one_percent)
        if n is None:
            lines.append(f"| 1%-changed day at {named:,} | ≤ 10% of a full load | not measured | - |")
            continue
        runs = results[n]
        day, full = median_of(runs, "seconds", *day_commands(0.01)), median_of(runs, "seconds", *FULL_LOAD)
        day_steps = median_or_none([in_steps(run, *day_commands(0.01)) for run in runs])
        full_steps = median_or_none([in_steps(run, *FULL_LOAD) for run in runs])
        inside = (
            f" (inside Dagster's steps {day_steps:,.1f} s of {full_steps:,.1f} s: {day_steps / full_steps:.0%})"
            if day_steps is not None and full_steps is not None
            else ""
        )
        lines.append(
            f"| 1%-changed day at {named:,}{scale_note(n, named)} | ≤ 10% of a full load "
            f"| {day:,.1f} s of {full:,.1f} s: {day / full:.0%}{inside} | {verdict(day / full <= DAY_SHARE_TARGET)} |"
        )
        if incremental_key(0.0) in runs[0]:
            # the nearest honest bound (BENCHMARKS.md's analysis: the target as written cannot be met)
            floor = median_of(runs, "seconds", *day_commands(0.0))
            lines.append(
                f"| 1%-changed day's own cost at {named:,}{scale_note(n, named)}: its time above a day that "
                f"changes nothing ({floor:,.1f} s) | ≤ 10% of the full load's above the same "
                f"| {day - floor:,.1f} s of {full - floor:,.1f} s: {(day - floor) / (full - floor):.0%} "
                f"| {verdict((day - floor) / (full - floor) <= DAY_SHARE_TARGET)} |"
            )
    if no_change:
        walls = [run["seconds"] for run in no_change["runs"]]
        wall = statistics.median(walls)
        lines.append(
            f"| no-change run of all six providers at demo scale ({no_change['listings']:,} listings; multiprocess "
            f"`listings run --sandbox`, replayed) | ≤ 20 s wall | median of {len(walls)}: {wall:,.1f} s "
            f"({', '.join(f'{s:,.1f}' for s in walls)}; {no_change['requests']:,} requests, "
            f"{no_change['misses']} misses) | {verdict(wall <= NO_CHANGE_TARGET_S)} |"
        )
        for key, part in (
            ("raw_alone", "its raw loads alone (`listings run --sandbox --no-marts`, multiprocess, replayed)"),
            ("dbt_alone", "its `dbt build` alone, without Dagster (every model, seed and test; nothing new to build)"),
        ):
            if key in no_change:
                part_walls = [run["seconds"] for run in no_change[key]]
                lines.append(
                    f"| the no-change run's parts: {part} | - | median of {len(part_walls)}: "
                    f"{statistics.median(part_walls):,.1f} s ({', '.join(f'{s:,.1f}' for s in part_walls)}) | - |"
                )
    else:
        lines.append("| no-change run at demo scale | ≤ 20 s wall | not measured | - |")
    n = nearest(results, 100_000)
    if n is not None:
        client, floor_cpu = client_cpu_per_listing(results[n])
        lines.append(
            f"| client CPU per listing at 100,000{scale_note(n, 100_000)} | ≤ 3x `read_json`'s "
            f"| {client:,.0f} µs against {floor_cpu:,.0f} µs: {client / floor_cpu:,.1f}x "
            f"| {verdict(client / floor_cpu <= CLIENT_CPU_TARGET)} |"
        )
        n = nearest(results, 1_000_000)
        full = median_of(results[n], "seconds", *FULL_LOAD)
        lines.append(
            f"| full load at 1,000,000 against the replay server{scale_note(n, 1_000_000)} | ≤ 5 min wall "
            f"| {full:,.1f} s | {verdict(full <= FULL_LOAD_1M_TARGET_S)} |"
        )
        peaks = {n: max(commands(run, *all_commands(run))["peak_mb"] for run in runs) for n, runs in results.items()}
        lines.append(
            "| peak RSS (the largest process of any pipeline command) | < 1 GB | "
            + "; ".join(f"{n:,}: {peak:,.0f} MB" for n, peak in peaks.items())
            + f" | {verdict(max(peaks.values()) < PEAK_RSS_TARGET_MB)} |"
        )
    lines += ["", "Other checks:", ""]
    for n, runs in results.items():
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
    for host, quota in quotas.items():
        over_floor = quota["throttled"] / quota["floor"] - 1
        lines.append(
            f"- {host} full scan at {quota['quota']:.0f} requests per window within 5% of the quota's floor "
            f"(live sandbox): {quota['requests']:.0f} requests, {quota['throttled']:.1f} s against a floor of "
            f"{quota['floor']:.1f} s ({over_floor:+.1%}; window {quota['window']:g} s, unthrottled "
            f"{quota['unthrottled']:.1f} s): {verdict(over_floor <= 0.05)}."
        )
    return lines


def report(
    results: dict[int, list[dict[str, Any]]],
    no_change: dict[str, Any] | None,
    quotas: dict[str, dict[str, float]],
    command: str,
) -> str:
    lines = [
        BEGIN,
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Machine: {machine()}.",
        "",
    ]
    for runs in results.values():
        lines += scale_section(runs) + [""]
    lines += targets(results, no_change, quotas) + ["", END]
    return "\n".join(lines)


def report_saved(files: list[Path], print_only: bool) -> None:
    """The report of several benches' saved results (each run's ``results.json``, in its work folder)."""
    results: dict[int, list[dict[str, Any]]] = {}
    no_change, quotas, commands = None, {}, []
    for file in files:
        saved = json.loads(file.read_text())
        results.update({int(listings): runs for listings, runs in saved["scales"].items()})
        no_change = saved["no_change"] or no_change
        quotas.update(saved["quotas"])
        commands.append(saved.get("command", f"scripts/bench.py (saved in {file.name})"))
    generated = report(dict(sorted(results.items())), no_change, quotas, "`, then `".join(commands))
    show_report(generated, print_only)


def show_report(generated: str, print_only: bool) -> None:
    """The report printed, and written into BENCHMARKS.md unless ``print_only``."""
    print(generated)
    if not print_only:
        write_report(generated)
        print(f"# written to {REPORT}")


def write_report(generated: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    REPORT.write_text(head + generated + tail)


def save_results(
    work_root: Path, command: str, results: dict[int, list[dict[str, Any]]], no_change: Any, quotas: dict
) -> None:
    """The bench's measurements so far in ``results.json`` of its work folder (``--from-results``)."""
    (work_root / "results.json").write_text(
        json.dumps({"command": command, "scales": results, "no_change": no_change, "quotas": quotas}, indent=1)
    )


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
        "--http-threads", type=int, default=2, help="threads of the raw HTTP floor, a session each (default 2)"
    )
    parser.add_argument(
        "--no-change-runs",
        type=int,
        default=3,
        help=f"timed no-change runs at demo scale ({DEMO_LISTINGS:,} listings), the median reported (0: none)",
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
    parser.add_argument(
        "--from-results",
        type=Path,
        nargs="+",
        metavar="RESULTS_JSON",
        help="run nothing: report the results.json of earlier benches together (a scale measured in several "
        "takes the later; so do the no-change and quota parts)",
    )
    options = parser.parse_args()
    if options.from_results:
        report_saved(options.from_results, options.no_report)
        return
    adopt_orphans()
    prepare_dbt_project()
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
                results.setdefault(listings, []).append(one_run(listings, work, log, incremental, options.http_threads))
                shutil.rmtree(work, ignore_errors=True)
                # after each run, so that a later run's failure (a build out of memory, say) keeps the
                # runs measured before it, for --from-results
                save_results(work_root, command, results, None, {})
                print(
                    f"# {listings:,} listings, run {index + 1}/{runs}: {time.perf_counter() - started:,.0f} s, "
                    f"{misses(results[listings][-1])} replay misses",
                    flush=True,
                )
        no_change = None
        if options.no_change_runs:
            started = time.perf_counter()
            no_change = no_change_run(options.no_change_runs, work_root / "no-change", log)
            print(f"# no-change runs at demo scale: {time.perf_counter() - started:,.0f} s", flush=True)
            save_results(work_root, command, results, no_change, {})
        quotas = {}
        for host in QUOTAS if options.quota_listings else ():
            quotas[host] = quota_run(host, options.quota_listings, options.quota_window, work_root / "quota", log)
            save_results(work_root, command, results, no_change, quotas)
        show_report(report(results, no_change, quotas, command), options.no_report)
    finally:
        shutil.rmtree(work_root / "quota", ignore_errors=True)


if __name__ == "__main__":
    main()
