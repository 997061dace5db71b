"""What the fork server of ``listings run``'s step processes imports before it forks any
(``runs.step_start_method``): what every step process would otherwise import or build again on its
start, six at once on the same cores before any provider is called.
- the raw loads' job, built once here (the raw loads' definitions: about 1.8 s of CPU);
- the Dagster instance's storage (SQLAlchemy, Alembic; this project's storage class), which each
  step process opens from the run's instance reference;
- pandas, through which pyarrow converts the scans' timestamps into the tables they load.
"""

import pandas  # noqa: F401

import orchestration.platform.dagster_storage  # noqa: F401
from orchestration.definitions import listings_run_job

listings_run_job(dbt=False)
