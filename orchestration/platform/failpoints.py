"""Crash points for the crash-and-resume tests, as in databases' failpoint frameworks.

``LISTINGS_FAILPOINT=<point>`` or ``<point>:<provider>`` makes the run die by SIGKILL when the
pipeline reaches that point, as a power cut would: its whole process group (dbt's child included)
when the run leads a session of its own, as the tests start it, else only its own process (never a
``dagster dev`` that shares the group).
Unset, as in every real deployment, a failpoint does nothing. The points:

- ``extract``: a provider's scan has handed dlt its first table of versions, before dlt writes it
  (mid-scan where the scan has more to read; nothing has reached the warehouse);
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
    if name != point or only not in ("", provider):
        return
    if os.getpgid(0) == os.getsid(0):  # a session of its own (the tests start runs so): all of it
        os.killpg(os.getpgid(0), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)  # inside someone else's group (dagster dev): this process only
