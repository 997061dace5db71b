"""Crash points for the crash-and-resume tests, as in databases' failpoint frameworks.

``LISTINGS_FAILPOINT=<point>`` or ``<point>:<provider>`` makes the run's whole process group die by
SIGKILL when the pipeline reaches that point, as a power cut would (dbt's child process included).
Unset, as in every real deployment, a failpoint does nothing. The points:

- ``extract``: a scan has stored its first page of an account and has more to read;
- ``normalize``: a provider's data is extracted, not yet normalised;
- ``load``: normalised, not yet loaded into the warehouse;
- ``dbt``: the dbt build has finished its first node and is running the rest;
- ``publish``: the serving file is half written.
"""

from __future__ import annotations

import os
import signal

FAILPOINT_ENV = "LISTINGS_FAILPOINT"
POINTS = ("extract", "normalize", "load", "dbt", "publish")


def failpoint(point: str, provider: str | None = None) -> None:
    armed = os.environ.get(FAILPOINT_ENV)
    if not armed:
        return
    name, _, only = armed.partition(":")
    if name == point and only in ("", provider):
        os.killpg(os.getpgid(0), signal.SIGKILL)
