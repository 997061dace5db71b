"""The ``listings`` command: runs, status, the UI, dbt under the warehouse lock, and the sandbox and
demo from the dev package. It drives the code location (``orchestration.definitions``) from outside,
as an operator's terminal would."""

from orchestration.cli.main import main

__all__ = ["main"]
