"""Viewer sign-in fixtures: a private page on Beacon's live server, the real OpenID Connect
provider of tests/support/oidc.py, and browser-like sessions."""

import pytest

from pages.models import Page
from tests.support import personas
from tests.support.oidc import Browser, new_browser, oidc

__all__ = ["new_browser", "oidc"]


@pytest.fixture
def private_page(live_server) -> Page:
    """Example Status, private, for anyone at viewers.example and one outside address, with
    sign-in through the provider."""
    return personas.example_page(
        url=live_server.url,
        is_private=True,
        viewer_oidc=True,
        viewer_emails=["@viewers.example", "outsider@partner.example"],
    )


@pytest.fixture
def viewer(new_browser) -> Browser:
    return new_browser()
