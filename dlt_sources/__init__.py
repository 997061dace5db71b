"""One dlt source per provider API (``<provider>/``), shared raw-layer helpers (``common/``), and
the provider sandbox (``sandbox/``) that stands in for the real APIs offline."""
