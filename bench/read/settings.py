"""Beacon's production settings plus one trivial view, the baseline of bench/read."""

from statuspage.settings import *  # noqa: F403

ROOT_URLCONF = "bench.read.urls"
