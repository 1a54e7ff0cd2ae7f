"""The browser tests drive the session's Chromium (tests/support/browser.py)."""

import pytest


@pytest.fixture(scope="session")
def browser(chromium: object) -> object:
    return chromium
