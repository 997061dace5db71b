"""The operator's command line: every subcommand explains itself and refuses bad input clearly.
(`listings run` and `listings status` after a load: test_serving_and_concurrency.py.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import dlt
import duckdb
import pytest

from listings_sandbox import Sandbox, SandboxConfig
from orchestration.cli import main
from orchestration.warehouse.lock import pipeline_run_lock, warehouse_lock

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ("demo", "--days"),
        ("sandbox", "serve"),
        ("run", "--full-refresh"),
        ("ui", "--port"),
        ("status", "freshness"),
    ],
)
def test_every_subcommand_has_help(command: str, mentions: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert mentions in capsys.readouterr().out


def test_run_names_an_unknown_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="unknown provider zillow; choose from actuallycare, apimo"):
        main(["run", "zillow"])


def test_status_before_any_load_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    with pytest.raises(SystemExit, match="no warehouse at .* yet: run `listings run`"):
        main(["status"])


def listings_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "listings"), *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_status_says_it_waits_for_a_busy_warehouse_and_gives_up_naming_the_lock(tmp_path: Path) -> None:
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path), "LISTINGS_WAREHOUSE_LOCK_TIMEOUT": "1"}
    env.pop("LISTINGS_WAREHOUSE_PATH", None)
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    with warehouse_lock(tmp_path / "warehouse.duckdb", "stand in for a dbt build"):
        status = listings_cli("status", env=env)
    assert status.returncode != 0
    waiting = "# waiting for the warehouse warehouse.duckdb (another process holds it) to read load status"
    assert waiting in status.stderr
    assert f"stayed locked for 1 s; a stuck process holds {tmp_path / 'warehouse.duckdb.lock'}" in status.stderr


def test_a_second_run_of_a_provider_waits_for_the_first(tmp_path: Path) -> None:
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path), "LISTINGS_WAREHOUSE_LOCK_TIMEOUT": "1"}
    env.pop("LISTINGS_WAREHOUSE_PATH", None)
    env.pop("DAGSTER_HOME", None)
    with Sandbox(SandboxConfig(seed=3)) as sandbox:
        (tmp_path / "sandbox.json").write_text(json.dumps(sandbox.info()))
        pipeline = dlt.pipeline("listings_apimo", pipelines_dir=str(tmp_path / "dlt_pipelines"))
        with pipeline_run_lock(pipeline):  # stands in for a run of Apimo from another process
            run = listings_cli("run", "apimo", "--no-marts", "--sandbox", env=env)
    assert run.returncode == 1
    assert "the pipeline listings_apimo stayed locked for 1 s" in run.stdout + run.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()  # it waited before touching anything


def test_dbt_by_hand_runs_under_the_warehouse_lock(tmp_path: Path) -> None:
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path)}
    env.pop("LISTINGS_WAREHOUSE_PATH", None)
    target, logs = tmp_path / "target", tmp_path / "logs"  # not the shared dbt_project/target
    dbt = [str(Path(sys.executable).parent / "listings"), "dbt", "parse", "--target-path", str(target)]
    with warehouse_lock(tmp_path / "warehouse.duckdb", "stand in for a load"):
        process = subprocess.Popen(
            [*dbt, "--log-path", str(logs)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=5)  # dbt waits for the load
        assert not (target / "manifest.json").exists()
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stdout + stderr
    assert "# waiting for the warehouse warehouse.duckdb (another process holds it) to run dbt parse" in stderr
    assert (target / "manifest.json").exists()


def test_status_reads_beside_an_outside_reader_and_waits_for_an_outside_writer(tmp_path: Path) -> None:
    """DuckDB lets readers share a file: only a writer outside the project makes `status` wait."""
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path), "LISTINGS_WAREHOUSE_LOCK_TIMEOUT": "3"}
    env.pop("LISTINGS_WAREHOUSE_PATH", None)
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    for read_only, waits in ((True, False), (False, True)):
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}, read_only={read_only}); "
                "print('open', flush=True); time.sleep(30)",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "open"
            status = listings_cli("status", env=env)
        finally:
            holder.kill()
            holder.wait()
        assert (status.returncode != 0) == waits, status.stderr
        assert (f"PID {holder.pid} " in status.stderr) == waits
