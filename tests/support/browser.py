"""Playwright driving Debian's Chromium against a live Beacon server: one browser for the whole
session, shared by tests/browser and tests/signin (Playwright's sync API allows one at a time
in a thread: a second `sync_playwright()` while the first runs is refused)."""

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("BEACON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary blocking calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium is needed for the browser tests: install it ({CHROMIUM}).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
