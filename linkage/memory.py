"""Give the memory a linkage run freed back to the operating system.

A period's clustering holds millions of small Python objects; once they are freed, glibc keeps the pages in
its heap and the process stays at its peak size. The dbt steps that follow run in their own processes and read
the warehouse through the page cache, which those idle pages starve (at 1 M persons the run kept ~9 GB after
linkage). `malloc_trim` returns the free pages; elsewhere than glibc it is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os


def rss_mb() -> float:
    """Current resident set size in MB (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def release_freed_memory() -> tuple[float, float]:
    """Collect garbage and trim the C heap; returns the RSS in MB before and after."""
    before = rss_mb()
    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        try:
            trim = ctypes.CDLL(name).malloc_trim
        except (OSError, AttributeError):
            trim = None
        if trim is not None:
            trim(0)
    return before, rss_mb()
