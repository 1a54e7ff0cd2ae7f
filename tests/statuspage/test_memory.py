"""statuspage.memory: what a burst of work freed goes back to the system."""

import platform
import threading

import pytest

from statuspage import memory


def resident_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")


@pytest.fixture
def freed_heap():
    """80 MB of blocks from malloc (over Python's 512 bytes) freed but one in fifty: the heap's
    top stays in use, so glibc keeps the free pages below it on its own. Gives the resident
    size after the freeing, and keeps the live blocks until the test is over."""
    blocks = [bytearray(4000) for _ in range(20_000)]
    kept = blocks[::50]
    del blocks
    yield resident_kb()
    assert len(kept) == 400


@glibc_only
def test_release_gives_the_pages_freed_between_live_blocks_back(freed_heap):
    assert memory.release() is True
    assert resident_kb() < freed_heap - 40_000


@glibc_only
def test_release_soon_releases_once_for_a_burst_a_moment_after_it(freed_heap):
    memory.release_soon()
    memory.release_soon()
    timers = [t for t in threading.enumerate() if t.name == "memory-release"]
    assert len(timers) == 1
    timers[0].join(10)
    assert resident_kb() < freed_heap - 40_000
