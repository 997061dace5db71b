"""``listings demo`` runs the pipeline over simulated days into its own warehouse and says so."""

import re
import subprocess
import sys
from pathlib import Path

import duckdb


def test_demo_runs_two_days_and_prints_the_summary(tmp_path: Path) -> None:
    listings = Path(sys.executable).parent / "listings"
    completed = subprocess.run(
        [str(listings), "demo", "--days", "2", "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    assert "day 0: Dagster run" in out and "day 1: Dagster run" in out and "FAILED" not in out
    assert "advanced to simulated day 1" in out
    warehouse = tmp_path / "warehouse.duckdb"
    assert f"warehouse: {warehouse}" in out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        listings_in_mart = con.execute("select count(*) from marts.listings").fetchone()[0]
    reported = re.search(r"actuallycare\s+(\d+) listings in marts.listings", out)
    assert reported and int(reported.group(1)) == listings_in_mart > 0
    # the runs were recorded in the demo's Dagster instance, for the UI
    assert any((tmp_path / "dagster").rglob("*.db"))
