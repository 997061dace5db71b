"""The dbt project's SQL passes SQLFluff as .sqlfluff configures it, in CI as in ``make lint``.

``make lint`` and ``make check`` run the same command (scripts/lint_sql.py, which gives SQLFluff's dbt
the provider registry); CI runs ``make test``, so this test is where
CI lints. SQLFluff renders the models with dbt on the profile's ``lint`` target, an in-memory DuckDB:
linting needs no warehouse file.
"""

import subprocess
import sys
from pathlib import Path

import pytest

# ~20 s of dbt rendering; `make check` lints already, so it leaves this file to `make test`
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_the_dbt_sql_passes_sqlfluff() -> None:
    lint = subprocess.run(
        [sys.executable, "scripts/lint_sql.py"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert lint.returncode == 0, lint.stdout[-5000:] + lint.stderr[-2000:]
