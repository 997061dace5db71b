"""One dlt source per provider API (``<provider>/``), shared raw-layer helpers (``common/``), and
the provider sandbox (``sandbox/``) that stands in for the real APIs offline."""

import os

# dlt reports anonymous usage to an outside host unless told not to, from the first source or
# pipeline it builds; a warehouse build must not phone home. An operator's own setting still wins.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
