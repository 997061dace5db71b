"""One module per provider API document: its data generator, its HTTP app, and its ``SANDBOX``
declaration (``provider_module.ProviderModule``), which names the hosts it serves.

The modules are found, not listed: every module of this package that declares ``SANDBOX`` is one.
A new provider brings its module here; nothing else in the sandbox changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ..provider_module import ProviderModule


@cache
def modules_by_host() -> dict[str, ProviderModule]:
    """host -> the module that serves it, over every module of this package."""
    found: dict[str, ProviderModule] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        declared = getattr(importlib.import_module(f"{__name__}.{info.name}"), "SANDBOX", None)
        if not isinstance(declared, ProviderModule):
            continue
        for host in declared.hosts:
            if host in found:
                raise ValueError(f"two sandbox provider modules serve the host {host!r}")
            found[host] = declared
    return found
