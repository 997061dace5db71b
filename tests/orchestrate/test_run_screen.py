"""What an operator sees: `listings run` prints a short screen (a line per provider with its figures,
the dbt build's, a summary table, the log file's path) and ends a failure with its cause; the whole
log goes to the file; a wait for a pool or a lock says what it waits for and who holds it; `listings
status` shows the last run's outcome and error.

Through `orchestration.cli.main.main` in this process, stdout not a terminal (the plain lines CI
sees), against the sandbox as `--sandbox` finds it (data/sandbox.json); and once on a terminal.
"""

import contextlib
import io
import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from listings_sandbox import Sandbox, SandboxConfig
from orchestration.cli import main, progress
from orchestration.cli.instance import use_dagster_home
from orchestration.registry import provider_names

pytestmark = pytest.mark.slow  # minutes: started first under pytest-xdist (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
SCREEN_LINES = 25  # a clean run of six providers, or one with a provider down, fits a short screen
FAST_RETRIES = {
    "SOURCES__BACKOFF_INITIAL_SECONDS": "0.1",
    "SOURCES__BACKOFF_MAX_SECONDS": "0.5",
    "SOURCES__TRANSIENT_MAX_ATTEMPTS": "3",
}
DOWN = "estateprime"
PROVIDER_LINE = re.compile(
    r"^  (?P<provider>\w+) +(?P<listings>\d+) listings \((?P<new>\d+) new, (?P<changed>\d+) changed, "
    r"(?P<removed>\d+) removed\), (?P<pages>\d+) pages, (?P<requests>\d+) requests, (?P<answered_429>\d+) answered "
    r"429, (?P<retries>\d+) retries(?:, \d+ s waiting)?; [\d.]+ s$"
)
DBT_LINE = re.compile(r"^  dbt build +(\d+)/(\d+) models and seeds built, (\d+)/(\d+) tests run; [\d.]+ s$")


@contextlib.contextmanager
def environment(data: Path, **variables: str) -> Iterator[None]:
    """`main` in this process changes its environment (--sandbox, DAGSTER_HOME): put it back after."""
    saved = dict(os.environ)
    for name in ("LISTINGS_WAREHOUSE_PATH", "LISTINGS_SERVING_PATH", "DAGSTER_HOME"):
        os.environ.pop(name, None)
    os.environ.update({"LISTINGS_DATA_DIR": str(data), **variables})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def listings(*args: str) -> tuple[int, list[str]]:
    """`listings <args>` through `main`, stdout captured as a pipe would (no terminal): exit code, lines."""
    screen = io.StringIO()
    with contextlib.redirect_stdout(screen):
        code = main(list(args))
    return code, screen.getvalue().splitlines()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_file(lines: list[str]) -> Path:
    match = re.fullmatch(r"listings run: .+; full log: (?P<path>\S+\.log)", lines[0])
    assert match, lines[0]
    return Path(match["path"])


@dataclass
class Screens:
    data: Path
    clean: tuple[int, list[str]]
    partial: tuple[int, list[str]]
    status: tuple[int, list[str]]
    status_json: list[dict]
    listed: dict[str, int]  # listings each provider served on day 0


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Screens:
    data = tmp_path_factory.mktemp("screens")
    config = SandboxConfig(seed=11, total_listings=600, options={"avaroai": {"rate_limit": (20, 1.0)}})
    with environment(data, **FAST_RETRIES), Sandbox(config) as sandbox:
        info = sandbox.info()
        (data / "sandbox.json").write_text(json.dumps(info))
        clean = listings("run", "--sandbox")
        listed = {p: sum(record["is_listed"] for record in sandbox.truth(p)) for p in provider_names()}
        sandbox.advance_day()
        # the provider's host refuses every connection: `--sandbox` reads its URL from here
        info["providers"][DOWN]["base_url"] = f"http://127.0.0.1:{closed_port()}/api"
        (data / "sandbox.json").write_text(json.dumps(info))
        partial = listings("run", "--sandbox")
        status = listings("status")
        status_json = json.loads("\n".join(listings("status", "--json")[1]))
    return Screens(data, clean, partial, status, status_json, listed)


def test_a_clean_run_of_six_providers_fits_a_short_screen_with_a_line_per_provider(screens: Screens) -> None:
    code, lines = screens.clean
    assert code == 0, "\n".join(lines)
    assert len(lines) <= SCREEN_LINES, "\n".join(lines)
    assert lines[0].startswith("listings run: 6 providers, then the marts; full log: ")
    assert log_file(lines).parent == screens.data / "logs" and log_file(lines).exists()
    figures = {match["provider"]: match for line in lines if (match := PROVIDER_LINE.match(line))}
    assert sorted(figures) == sorted(provider_names()), "\n".join(lines)
    for provider, match in figures.items():  # a first load: every listing served is new
        assert int(match["new"]) == screens.listed[provider], (provider, match.group(0))
        assert int(match["listings"]) >= int(match["new"]) and int(match["pages"]) >= 1
        assert int(match["requests"]) >= int(match["pages"]) and match["retries"] == "0"
    [dbt] = [match for line in lines if (match := DBT_LINE.match(line))]
    assert dbt[1] == dbt[2] != "0" and dbt[3] == dbt[4] != "0"  # every model built, every test run
    assert any(line.startswith("  publish ") and str(screens.data / "serving.duckdb") in line for line in lines)
    assert lines[-1] == "listings run: succeeded"


def test_the_screen_ends_with_a_summary_table_of_every_provider(screens: Screens) -> None:
    _, lines = screens.clean
    [header] = [number for number, line in enumerate(lines) if line.split()[:2] == ["provider", "result"]]
    assert lines[header].split() == [
        "provider", "result", "pages", "listings", "new", "changed", "removed", "429s", "retries", "waited", "time"
    ]  # fmt: skip
    rows = [line.split() for line in lines[header + 2 : header + 2 + len(provider_names())]]
    assert [row[:2] for row in rows] == [[provider, "loaded"] for provider in sorted(provider_names())]
    for row in rows:  # its figures are the provider line's
        [line] = [line for line in lines if (match := PROVIDER_LINE.match(line)) and match["provider"] == row[0]]
        match = PROVIDER_LINE.match(line)
        assert row[2:7] == [match[name] for name in ("pages", "listings", "new", "changed", "removed")]


def test_the_log_file_holds_every_event_and_dbts_output_the_screen_leaves_out(screens: Screens) -> None:
    _, lines = screens.clean
    log = log_file(lines).read_text()
    screen = "\n".join(lines)
    for detail in ("full scan complete", "STEP_SUCCESS", "ASSET_MATERIALIZATION", "Done. PASS="):
        assert detail in log and detail not in screen, detail
    assert "tags lookup complete" in log  # EstatePrime's lookups, worded as lookups
    assert log.count("Dagster run ") == 2  # the screen's lines are in it too


def test_a_provider_down_ends_the_screen_with_its_cause(screens: Screens) -> None:
    code, lines = screens.partial
    assert code == 3, "\n".join(lines)
    assert len(lines) <= SCREEN_LINES, "\n".join(lines)
    assert any(re.match(rf"^  {DOWN} +FAILED; ", line) for line in lines)  # its line, as it ended
    assert [line.split()[:2] for line in lines if line.startswith(f"{DOWN} ")] == [[DOWN, "FAILED"]]  # its row
    cause, outcome = lines[-2:]
    assert cause == (
        f"  {DOWN} FAILED: ProviderRequestError: {DOWN} account 1: no answer from GET /api/listings after retries "
        "(ConnectionError); check base_url and the network"
    )
    assert outcome == (
        f"listings run: PARTIAL (exit 3): the marts were published; {DOWN} kept its last good data there; "
        f"full log: {log_file(lines)}"
    )
    healthy = {match["provider"] for line in lines if (match := PROVIDER_LINE.match(line))}
    assert healthy == set(provider_names()) - {DOWN}
    log = log_file(lines).read_text()
    [failure] = [part for part in log.split("\n20") if f" {DOWN} STEP_FAILURE: " in part]
    assert "ProviderRequestError" in failure and '  File "' in failure  # the whole error, with its stack


def test_status_shows_the_last_runs_outcome_and_its_error(screens: Screens) -> None:
    code, lines = screens.status
    assert code == 0
    results = {line.split()[0]: line.split()[-1] for line in lines[1:7]}  # the table's last_run column
    assert lines[0].split()[-1] == "last_run" and results == {
        provider: "FAILED" if provider == DOWN else "loaded" for provider in provider_names()
    }
    [outcome] = [number for number, line in enumerate(lines) if line.startswith("last listings run (")]
    assert "): PARTIAL (exit 3): the marts were published; estateprime kept its last good data there" in lines[outcome]
    assert lines[outcome + 1].startswith(f"  {DOWN} FAILED: ProviderRequestError: {DOWN} account 1: no answer")
    rows = {row["provider"]: row for row in screens.status_json}
    assert rows[DOWN]["last_run"] == "FAILED" and "check base_url" in rows[DOWN]["last_run_error"]
    assert rows["apimo"]["last_run"] == "loaded" and rows["apimo"]["last_run_error"] is None


def test_a_failed_dbt_build_ends_with_the_failing_model_and_its_error(tmp_path: Path) -> None:
    with environment(tmp_path):
        code, lines = listings("run", "--marts-only")  # no raw data at all: dbt's models fail
    assert code == 1 and len(lines) <= SCREEN_LINES, "\n".join(lines)
    cause, outcome = lines[-2:]
    first_failure = r"  marts FAILED: dbt build: \d+ dbt nodes failed, the first: model \w+ \(models/.+\.sql\): "
    assert re.match(first_failure, cause), cause
    assert "does not exist" in cause and "\x1b[" not in cause
    assert outcome == f"listings run: FAILED (exit 1): the marts were not rebuilt; full log: {log_file(lines)}"


# holds the lock file given until its stdin closes
HOLD_LOCK = (
    "import sys; from filelock import FileLock; lock = FileLock(sys.argv[1]); lock.acquire(); "
    "print('held', flush=True); sys.stdin.read()"
)


def test_a_step_waiting_for_a_pool_or_the_warehouse_lock_says_so_naming_the_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "WAIT_NOTICE_SECONDS", 1.0)
    released = threading.Event()

    lock_holder: list[subprocess.Popen] = []

    def hold_then_release(instance: dg.DagsterInstance, holding: threading.Event) -> None:
        """Hold Apimo's pool and the warehouse lock; let each go once the run's log shows the wait.
        The lock is held by a process of its own, as another process's load would hold it (the one
        provider's load runs in this test's process)."""
        lock = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(tmp_path / "warehouse.duckdb.lock")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        lock_holder.append(lock)
        assert lock.stdout.readline().strip() == "held"
        instance.event_log_storage.initialize_concurrency_limit_to_default("raw_apimo")  # dagster.yaml's: 1
        instance.event_log_storage.claim_concurrency_slot("raw_apimo", "standin-run", "standin_step")
        holding.set()
        try:
            wait_in_log("Step blocked by limit for pool raw_apimo")
            instance.event_log_storage.free_concurrency_slots_for_run("standin-run")
            wait_in_log("waiting for the warehouse warehouse.duckdb")
        finally:
            instance.event_log_storage.free_concurrency_slots_for_run("standin-run")
            lock.stdin.close()  # the holder exits, and its lock goes with it
            lock.wait(60)
            released.set()

    def wait_in_log(text: str) -> None:
        deadline = time.monotonic() + 300
        while not any(text in log.read_text() for log in (tmp_path / "logs").glob("run-*.log")):
            assert time.monotonic() < deadline, f"no {text!r} in the run's log"
            time.sleep(0.2)
        time.sleep(2)  # past the notice threshold: the screen says it

    with Sandbox(SandboxConfig(seed=3)) as sandbox, environment(tmp_path):
        (tmp_path / "sandbox.json").write_text(json.dumps(sandbox.info()))
        use_dagster_home()
        with dg.DagsterInstance.get() as instance:
            holding = threading.Event()
            holder = threading.Thread(target=hold_then_release, args=(instance, holding), daemon=True)
            holder.start()
            assert holding.wait(60)
            code, lines = listings("run", "apimo", "--no-marts", "--sandbox")
            assert released.wait(60)
    assert code == 0, "\n".join(lines)
    waits = [line for line in lines if line.startswith("  apimo ") and "waiting for" in line]
    pool, lock = waits[:2]
    assert pool.startswith("  apimo         waiting for pool raw_apimo held by the standin_step step of run standin-")
    assert lock.startswith(f"  apimo         waiting for the warehouse lock held by PID {lock_holder[0].pid} (")
    assert "(to restore dlt state)" in lock
    [summary] = [line for line in lines if line.startswith("apimo ")]
    assert float(summary.split()[-4]) >= 4  # the waits are counted in its waited column (seconds)


def test_on_a_terminal_the_run_shows_a_live_table_and_ends_with_the_same_summary(tmp_path: Path) -> None:
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path), "COLUMNS": "160", "LINES": "40", "TERM": "xterm"}
    for name in ("LISTINGS_WAREHOUSE_PATH", "LISTINGS_SERVING_PATH", "DAGSTER_HOME"):
        env.pop(name, None)
    with Sandbox(SandboxConfig(seed=3)) as sandbox:
        (tmp_path / "sandbox.json").write_text(json.dumps(sandbox.info()))
        controller, terminal = pty.openpty()
        command = [str(Path(sys.executable).parent / "listings"), "run", "apimo", "koto", "--no-marts", "--sandbox"]
        process = subprocess.Popen(command, cwd=REPO, env=env, stdin=terminal, stdout=terminal, stderr=terminal)
        os.close(terminal)
        output = read_until_exit(controller, process)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output)
    assert process.returncode == 0, screen[-3000:]
    assert re.search(r"provider +pages +listings +new +changed +removed +429s +retries +ETA +state", screen)  # live
    last = screen.replace("\r", "").strip().splitlines()
    assert last[-1] == "listings run: succeeded"
    assert [line.split()[:2] for line in last[-3:-1]] == [["apimo", "loaded"], ["koto", "loaded"]]


def read_until_exit(controller: int, process: subprocess.Popen, timeout: float = 600) -> str:
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the process has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:
            break
    process.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode(errors="replace")
