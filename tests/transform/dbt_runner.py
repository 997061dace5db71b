"""The project's dbt run by hand on a DuckDB warehouse file, as the transform tests need it."""

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from orchestration.registry import dbt_vars_argument
from orchestration.settings import DBT_PROJECT_DIR


def dbt(warehouse: Path, work: Path, *args: str, vars_argument: Sequence[str] | None = None) -> None:
    """dbt ``args`` on the DuckDB file ``warehouse``, its artifacts under ``work``; ``vars_argument``
    replaces the provider registry's ``--vars``. Fails the test, with dbt's output, if dbt fails."""
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            *(dbt_vars_argument() if vars_argument is None else vars_argument),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "LISTINGS_WAREHOUSE": "duckdb", "LISTINGS_WAREHOUSE_PATH": str(warehouse)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
