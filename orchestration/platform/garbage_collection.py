"""The cyclic garbage collector kept off the long-lived heap while a step parses provider pages.

A step process holds hundreds of thousands of long-lived objects (Dagster's, dlt's and the
definitions'). Parsing a page builds a tree of dicts and lists that lives until the page is
stored, so its objects survive the collector's young passes; CPython then runs a full pass, one
that walks every object of the process, each time the survivors grow by a quarter of the
long-lived heap, several times a page. Measured: orjson parsed an Apimo page of 900 KB in 26 ms
in a process that had loaded the definitions, 5 ms with the collector off or the heap frozen; a
scan of every provider at 100k listings in one process took about an eighth less time
(BENCHMARKS.md has the figures).

Freezing (``gc.freeze``) moves the objects alive now out of the collector's passes until the
block ends; it changes no object. A parsed page holds no reference cycles, so reference counting
frees it either way, and cycles made inside the block are collected as before. A cycle of objects
alive before it waits for the block's end, when they are handed back.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    """The objects alive on entry are left out of the garbage collector's passes until the block
    ends. Inside a block already frozen (by this or by the process's own start), it does nothing:
    the outer freeze is the one that ends."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
