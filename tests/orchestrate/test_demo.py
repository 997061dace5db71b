"""``listings demo`` runs the pipeline over simulated days into its own warehouse and says so."""

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.registry import provider_names

pytestmark = pytest.mark.slow  # minutes: started first under pytest-xdist (tests/conftest.py)


def test_demo_runs_two_days_and_prints_the_summary(tmp_path: Path) -> None:
    listings = Path(sys.executable).parent / "listings"
    completed = subprocess.run(
        [str(listings), "demo", "--days", "2", "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    every = len(provider_names())
    for day in (0, 1):
        assert f"day {day}: {every} of {every} providers loaded, marts published" in out
    assert "FAILED" not in out and "advanced to simulated day 1" in out
    # a short screen that ends with the summary (the last line says how to query the mart)
    lines = out.strip().splitlines()
    assert len(lines) <= 40 and lines[-1].lstrip().startswith("query:"), out
    warehouse = tmp_path / "warehouse.duckdb"
    assert f"warehouse:    {warehouse}" in out
    assert f"serving file: {tmp_path / 'serving.duckdb'}" in out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        per_source = dict(con.execute("select source, count(*) from marts.listings group by source").fetchall())
    reported = {source: int(count) for source, count in re.findall(r"(\w+)\s+(\d+) listings in marts.listings", out)}
    assert reported == per_source and set(per_source) == set(provider_names()) and min(per_source.values()) > 0
    # the runs were recorded in the demo's Dagster instance, for the UI
    assert any((tmp_path / "dagster").rglob("*.db"))
    # the scan progress and dbt's output go to the demo's log, whose path it prints, not the terminal
    [log] = (tmp_path / "logs").glob("run-*.log")
    assert f"full log: {log}" in out
    assert "full scan complete" not in completed.stderr + out and "full scan complete" in log.read_text()
    assert "Running with dbt" not in out and "Running with dbt" in log.read_text()
