"""The cyclic garbage collector, kept out of work that makes many objects and no garbage.

Python's cyclic collector runs whenever enough objects have been allocated, and scans every
object it tracks. Loading a catalogue (from YAML or from its snapshot) and importing the
engine allocate a great many objects that all stay alive, so those passes find nothing and
cost a quarter of the time at 100x the shipped catalogue, a fifth of a `collab plan` process
(benchmarks/README.md). Reference counting still frees everything that is not in a cycle.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """The block runs without the cyclic collector (as it was before, after it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
