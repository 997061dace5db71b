"""One dlt source per provider API (``<provider>/``) and shared raw-layer helpers (``common/``).

The provider sandbox that stands in for the real APIs offline is a separate, dev-only package
(``sandbox/`` at the repository root); nothing here imports it. Whoever builds the pipelines
turns dlt's telemetry off (``orchestration.defs.ingest.pipelines``)."""
