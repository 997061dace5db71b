"""SQLFluff on the dbt project, with the provider registry dbt needs to render it (``make lint``).

SQLFluff's dbt templater reads dbt's vars from its config's ``templater:dbt:context`` section only:
this writes that section from ``orchestration/registry.py`` to a config file of its own, which
``--config`` adds to ``.sqlfluff``. Arguments are passed on to ``sqlfluff lint``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from orchestration.registry import dbt_vars

REPO = Path(__file__).resolve().parent.parent


def main(arguments: list[str]) -> int:
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", prefix="sqlfluff-registry-") as config:
        config.write("[sqlfluff:templater:dbt:context]\n")
        config.writelines(f"{name} = {value}\n" for name, value in dbt_vars().items())
        config.flush()
        sqlfluff = Path(sys.executable).parent / "sqlfluff"
        command = [str(sqlfluff), "lint", "--config", config.name, *(arguments or ["dbt_project"])]
        return subprocess.run(command, cwd=REPO, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
