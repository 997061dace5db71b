"""One dlt source per provider API (``<provider>/``) and shared raw-layer helpers (``common/``).

The provider sandbox that stands in for the real APIs offline is a separate, dev-only package
(``sandbox/`` at the repository root); nothing here imports it."""

import os

# dlt reports anonymous usage to an outside host unless told not to, from the first source or
# pipeline it builds; a warehouse build must not phone home. An operator's own setting still wins.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
