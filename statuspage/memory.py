"""Giving the memory a process has freed back to the system, after a burst of work.

Python hands objects larger than 512 bytes to the C library's malloc (its own arenas for the
small ones are mapped and unmapped apart). glibc keeps what is freed for the next allocation,
and returns to the system only the free memory at the top of each heap: after a round of
rendering (the minute's refresh in a web process, a task in a worker) the free chunks left
between live ones stay resident, several MB of an idle process (docs/performance.md,
"Footprint of embedded mode"). glibc's malloc_trim(0) returns every whole free page, in every
thread's heap; it costs a few milliseconds, and the next burst takes the pages back from the
system as it needs them. release_soon() does it a moment after the work, once for a burst of
tasks or renders: a busy process (a worker going through a fan-out) pays it at most once every
DELAY_SECONDS.

Where the C library is not glibc (musl, macOS), release() does nothing.
"""

import ctypes
import functools
import sys
import threading
from collections.abc import Callable

DELAY_SECONDS = 1.0
_guard = threading.Lock()
_pending: threading.Timer | None = None


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release() -> bool:
    """Return the process's free heap pages to the system now; whether any went back."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


def release_soon() -> None:
    """release() in DELAY_SECONDS, on a thread of its own, unless one is already due."""
    global _pending
    if _malloc_trim() is None:
        return
    with _guard:
        if _pending is not None and _pending.is_alive():
            return
        _pending = threading.Timer(DELAY_SECONDS, release)
        _pending.name = "memory-release"
        _pending.daemon = True
        _pending.start()
