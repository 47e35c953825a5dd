"""Bulk loads build millions of objects without cycles: the collector's passes are pure waste.

Each generation-0 collection that a million new tuples trigger also walks what survived, so a
large load slows down as the heap grows (a million-item plan: 9 s to decode with the collector
running, 1 s without).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
