"""Security keys (WebAuthn) as the second factor: Chromium, driven by Playwright, with a virtual
authenticator (Chrome DevTools' WebAuthn domain) standing in for the key."""

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.mfa.models import Authenticator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(chromium, live_server) -> Iterator[Any]:
    """A Chromium page with a virtual security key plugged in."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield page
    context.close()


def sign_in_with_password(page: Any) -> None:
    page.goto("/admin/")
    page.fill("#id_login", "alice")
    page.fill("#id_password", "correct horse battery")
    page.click("#login-form input[type=submit]")


def test_a_security_key_added_after_signing_in_is_asked_for_at_the_next_sign_in(
    page, alice, mfa_on
):
    sign_in_with_password(page)
    page.wait_for_url("**/admin/")

    page.goto("/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", "Desk key")
    page.click("#mfa_webauthn_add")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.WEBAUTHN).exists()

    page.context.clear_cookies()
    sign_in_with_password(page)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.goto("/admin/")
    assert "/accounts/2fa/authenticate/" in page.url

    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url("**/admin/")
    assert "Status page administration" in page.content()
