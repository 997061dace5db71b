"""Benchmark of the raw load path: listings per second, client CPU per listing and peak RSS, against
DuckDB's own reader.

    .venv/bin/python scripts/bench_load_path.py [--provider NAME] [--listings 100000] [--runs 3]
        [--default-path-listings 10000]

Every variant runs in a fresh process (so its peak RSS is its own) on the same payloads, taken once
from one provider's sandbox host (``--provider``, a registry name; by default the one whose single
account is the largest at the sandbox's default sizes, which leaves the sandbox the fewest other
listings to make) as its list endpoint serves them, and saved as newline-delimited JSON; medians of
``--runs`` runs:
- floor: DuckDB ``read_json`` of the saved file into a table;
- arrow: this project's path from the saved file (change detection, canonical JSON text, arrow
  tables, dlt into DuckDB), without HTTP; the fields that move with the clock alone (the sandbox
  module's ``volatile_fields``) are left out of change detection;
- source: the provider's dlt source end to end, over HTTP from the sandbox into DuckDB;
- dlt default: dlt's default path (dicts, nested child tables, insert statements), on
  ``--default-path-listings`` listings only: at 100,000 it needs many GB (PITFALLS.md); 0 skips it.

Client CPU per listing is the process's CPU time (every thread: DuckDB's too) over the load, imports
left out, divided by the listings. The arrow and source variants load twice into the same
warehouse: a full load into an empty one, then a rescan of the same, unchanged payloads, which
stores nothing: what a run costs when nothing changed. The sandbox serves from the parent process,
so its CPU is not the client's.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import dlt
import duckdb

from orchestration.registry import by_name, provider_names


def payload_pages(path: Path, limit: int | None = None, page_size: int = 100) -> Iterator[list[dict]]:
    from dlt_sources.common.jsontext import loads  # as the sources parse bodies

    with path.open("rb") as lines:
        records = (loads(line) for line in islice(lines, limit))
        while page := list(islice(records, page_size)):
            yield page


class ClientCpu:
    """CPU seconds of this process (all its threads) per phase: the full load, the rescan."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.process_time()
        yield
        self.seconds[name] = time.process_time() - started


def floor(payloads: Path, work: Path, cpu: ClientCpu) -> int:
    with duckdb.connect(str(work / "floor.duckdb")) as con, cpu.phase("full"):
        con.execute(f"create table listings as select * from read_json('{payloads}', format='newline_delimited')")
        return con.execute("select count(*) from listings").fetchone()[0]


def pipeline(work: Path, name: str) -> dlt.Pipeline:
    from orchestration.defs.ingest.pipelines import keep_dlt_telemetry_off

    keep_dlt_telemetry_off()  # as the project's pipelines: no thread reporting usage, no outside host
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(work / f"{name}.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(work / "pipelines"),
    )


def arrow_path(payloads: Path, volatile_fields: tuple[str, ...], work: Path, cpu: ClientCpu) -> int:
    from dlt_sources.common.raw import raw_columns
    from dlt_sources.common.scan import AccountScan

    @dlt.resource(name="listings", write_disposition="append", columns=raw_columns())
    def listings():
        scan = AccountScan("bench", "default", full=True, volatile_fields=volatile_fields)
        for page in payload_pages(payloads):
            yield from scan.add_page(page)
        yield from scan.finish()

    for phase in ("full", "rescan"):
        with cpu.phase(phase):
            pipeline(work, "arrow").run(listings()).raise_on_failed_jobs()
    with pipeline(work, "arrow").sql_client() as client:
        return client.execute_sql("select count(*) from listings")[0][0]


def dlt_default(payloads: Path, limit: int, work: Path, cpu: ClientCpu) -> int:
    @dlt.resource(name="listings", write_disposition="append")
    def listings():
        yield from payload_pages(payloads, limit)

    with cpu.phase("full"):
        pipeline(work, "default").run(listings())
    with pipeline(work, "default").sql_client() as client:
        return client.execute_sql("select count(*) from listings")[0][0]


def source(provider: str, environment: dict[str, str], work: Path, cpu: ClientCpu) -> int:
    os.environ.update(environment)
    os.environ["LISTINGS_DATA_DIR"] = str(work)
    from orchestration.defs.ingest.pipelines import listings_pipeline

    for phase in ("full", "rescan"):
        with cpu.phase(phase):
            listings_pipeline(provider).run(by_name(provider).dlt_source()())
    with listings_pipeline(provider).sql_client() as client:
        return client.execute_sql("select count(*) from listings")[0][0]


def largest_single_account() -> str:
    """The provider whose one account has the most listings at the sandbox's default sizes."""
    from listings_sandbox.app import default_sizes

    single = {host: sum(accounts.values()) for host, accounts in default_sizes().items() if len(accounts) == 1}
    return max(single, key=single.__getitem__)


def _child(target: Callable[..., int], args: tuple, results: multiprocessing.Queue) -> None:
    import dlt_sources.common.scan  # noqa: F401 (imported before the clocks start, as dlt is)
    import orchestration.defs.ingest.pipelines  # noqa: F401

    cpu = ClientCpu()
    started = time.perf_counter()
    rows = target(*args, cpu)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    results.put((rows, seconds, peak_mb, cpu.seconds))


def measure(target: Callable[..., int], *args) -> tuple[int, float, float, dict[str, float]]:
    """Run ``target(*args, work_dir, cpu)`` in a fresh process; rows, seconds, peak RSS (MB) and CPU
    seconds per phase."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    with tempfile.TemporaryDirectory() as work:
        process = context.Process(target=_child, args=(target, (*args, Path(work)), results))
        process.start()
        outcome = results.get()
        process.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--provider", choices=provider_names(), default=None, help="default: " + largest_single_account()
    )
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--default-path-listings", type=int, default=10_000)
    options = parser.parse_args()
    from listings_sandbox import Sandbox, SandboxConfig, provider_module
    from listings_sandbox.app import default_sizes

    provider = options.provider or largest_single_account()
    # sized so that the provider alone serves --listings listings
    sizes = default_sizes()
    everything = sum(sum(accounts.values()) for accounts in sizes.values())
    total = -(-options.listings * everything // sum(sizes[provider].values()))
    config = SandboxConfig(seed=1, total_listings=total, rate_limits=False)
    with Sandbox(config) as sandbox, tempfile.TemporaryDirectory() as folder:
        payloads = Path(folder) / f"{provider}.ndjson"
        with payloads.open("w") as out:
            out.writelines(json.dumps(record) + "\n" for record in sandbox.app(provider).served_records())
        count = sum(1 for _ in payloads.open())
        variants = {
            "DuckDB read_json (floor)": (floor, (payloads,)),
            "arrow path (this project), from file": (
                arrow_path,
                (payloads, provider_module(provider).volatile_fields),
            ),
            f"{provider} source over HTTP": (source, (provider, sandbox.dlt_environment())),
        }
        if options.default_path_listings:
            variants[f"dlt default path, {options.default_path_listings:,} listings"] = (
                dlt_default,
                (payloads, options.default_path_listings),
            )
        results = {}
        for name, (target, args) in variants.items():
            runs = [measure(target, *args) for _ in range(options.runs)]
            rows = runs[0][0]
            seconds = statistics.median(run[1] for run in runs)
            peak = statistics.median(run[2] for run in runs)
            cpu = {phase: statistics.median(run[3][phase] for run in runs) for phase in runs[0][3]}
            # per listing read: the dlt default path reads fewer, the others every payload
            read = min(options.default_path_listings, count) if name.startswith("dlt default") else count
            results[name] = (rows, seconds, peak, {phase: s / read * 1e6 for phase, s in cpu.items()})
    floor_rows, floor_seconds, _, floor_cpu = results["DuckDB read_json (floor)"]
    floor_rate = floor_rows / floor_seconds
    print(f"{count:,} {provider} payloads; Python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"median of {options.runs} runs, each in a fresh process; loads on rows = listings (the rescan adds none)")
    print("client CPU: us per listing, and against the floor's; rescan: the same payloads again, unchanged")
    header = ("variant", "rows", "seconds", "listings/s", "time vs floor", "peak RSS MB", "CPU full", "CPU rescan")
    print(
        f"{header[0]:<42} {header[1]:>9} {header[2]:>8} {header[3]:>11} {header[4]:>14} {header[5]:>12} "
        f"{header[6]:>16} {header[7]:>16}"
    )
    for name, (rows, seconds, peak, cpu) in results.items():
        rate = rows / seconds
        shown = [
            f"{cpu[phase]:,.0f} ({cpu[phase] / floor_cpu['full']:.1f}x)" if phase in cpu else "-"
            for phase in ("full", "rescan")
        ]
        print(
            f"{name:<42} {rows:>9,} {seconds:>8.2f} {rate:>11,.0f} {floor_rate / rate:>13.1f}x {peak:>12,.0f} "
            f"{shown[0]:>16} {shown[1]:>16}"
        )


if __name__ == "__main__":
    main()
