"""The dbt project's SQL passes SQLFluff as .sqlfluff configures it, in CI as in ``make lint``.

``make lint`` and ``make check`` run the same command; CI runs ``make test``, so this test is where
CI lints. Like the Makefile, it renders the models against a throwaway warehouse, with dbt's
target/ and logs/ beside it: linting needs no warehouse and leaves the project's manifest alone.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# ~20 s of dbt rendering; `make check` lints already, so it leaves this file to `make test`
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_the_dbt_sql_passes_sqlfluff(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LISTINGS_WAREHOUSE_PATH": str(tmp_path / "lint.duckdb"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    lint = subprocess.run(
        [str(sqlfluff), "lint", "dbt_project"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert lint.returncode == 0, lint.stdout[-5000:] + lint.stderr[-2000:]
