"""The cyclic garbage collector paused while a step parses provider pages.

Parsing a page builds a tree of dicts and lists (an Apimo page of 900 KB is 57,000 objects) that
lives until the page is stored, so its objects survive the collector's young passes and count
towards a full pass, one that walks every object the process tracks. CPython ran one every few
pages: a full pass over a step process's long-lived objects (Dagster's, dlt's, the definitions')
took about 100 ms, and orjson parsed an Apimo page in 26 ms rather than 5 ms. Freezing the objects
alive at the scan's start (``gc.freeze``) took them out of those passes, but the passes still ran
every five pages over the pages alive and the objects made since, 40 ms each; with automatic
collection off, an Apimo scan at 100k listings in one process took about a fifth less (two runs
each: 8.9 and 9.3 s -> 7.9 and 6.9 s).

Nothing is lost by pausing it: reference counting frees a page when it is stored (a parsed page
holds no cycles, and the HTTP layer keeps none: ``dlt_sources.common.http``), and a scan makes next
to no cyclic garbage otherwise (measured: the passes during a scan of every provider at 100k found
a few thousand objects, against 57,000 a page before the HTTP layer's cycle was removed). What
cycles a scan does make are collected by the first pass after the block.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collector pass inside the block; the collector is on again when it ends, as it
    was on entry. Inside a block already paused (by this or by the process), it does nothing."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
