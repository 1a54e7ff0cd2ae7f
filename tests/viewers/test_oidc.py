"""Viewers of a private page sign in through a real OpenID Connect provider (node-oidc-provider)
and get the page's viewer cookie; nobody gets an operator account for it."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore

from pages.viewers import COOKIE_NAME
from tests.support.oidc import (
    VIEWER_CALLBACK,
    Browser,
    OIDCProvider,
    cancel_at_idp,
    made_up_callback,
    sign_in_at_idp,
    with_tampered_state,
)
from tests.support.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def start(viewer: Browser, next_path: str = "/history") -> requests.Response:
    """From Beacon's start URL to the provider's sign-in page."""
    idp = viewer.get(f"/viewer/oidc/start?{urlencode({'next': next_path})}")
    assert idp.url.startswith("http://127.0.0.1:"), idp.url
    assert "prompt" in idp.text, idp.text[:2000]
    return idp


def viewer_cookies(viewer: Browser) -> set[str]:
    """The viewer cookie, if Beacon's host (localhost, not the provider's 127.0.0.1) set it."""
    jar = viewer.session.cookies
    return {c.name for c in jar if c.name == COOKIE_NAME and c.domain != "127.0.0.1"}


def refused(reply: requests.Response, viewer: Browser) -> None:
    assert "Traceback" not in reply.text
    assert "Back to sign-in" in reply.text
    assert not viewer_cookies(viewer)
    # And the page stays shut.
    shut = viewer.session.get(viewer.base_url + "/", allow_redirects=False)
    assert shut.status_code == 302
    assert shut.headers["Location"].startswith("/viewer/sign-in?next=")
    assert not User.objects.exists()
    assert reply.headers["Cache-Control"].startswith("private")


def test_a_viewer_signs_in_through_the_provider_and_lands_where_they_were_going(
    oidc, private_page, viewer
):
    reply = sign_in_at_idp(viewer, start(viewer), "vera-at-idp", stop_at="/history")

    assert reply.status_code == 302
    assert reply.headers["X-Stopped-At"] == viewer.base_url + "/history"
    assert viewer_cookies(viewer)
    history = viewer.get("/history")
    assert history.status_code == 200
    assert "Incident history" in history.text
    assert history.headers["Cache-Control"].startswith("private")
    # A viewer is not an operator: no account of any kind is made for them.
    assert not User.objects.exists()


def test_the_sign_in_asks_for_a_code_challenge_a_state_and_a_nonce(oidc, private_page, viewer):
    started = viewer.session.get(
        viewer.base_url + "/viewer/oidc/start?next=/", allow_redirects=False
    )

    assert started.status_code == 302
    query = parse_qs(urlparse(started.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [viewer.base_url + VIEWER_CALLBACK]
    assert "openid" in query["scope"][0].split() and "email" in query["scope"][0].split()
    assert started.headers["Cache-Control"].startswith("max-age=0")


def test_someone_the_provider_knows_but_the_page_does_not_allow_is_refused(
    oidc, private_page, viewer
):
    reply = sign_in_at_idp(viewer, start(viewer), "stranger")

    assert reply.status_code == 403
    assert "stranger@example.com may not see this page" in reply.text
    assert "viewers.example" not in reply.text
    refused(reply, viewer)


@pytest.mark.parametrize("login", ["unverified-vera", "no-email"])
def test_an_email_the_provider_did_not_verify_lets_nobody_in(oidc, private_page, viewer, login):
    reply = sign_in_at_idp(viewer, start(viewer), login)

    assert reply.status_code == 403
    assert "without an email address it has verified" in reply.text
    refused(reply, viewer)


def test_with_oidc_trust_email_an_unverified_email_is_taken_at_its_word(
    oidc, private_page, viewer, settings
):
    settings.SIGNIN_OIDC_TRUST_EMAIL = True

    sign_in_at_idp(viewer, start(viewer), "unverified-vera", stop_at="/history")

    assert viewer_cookies(viewer)


def test_a_viewer_who_cancels_at_the_provider_gets_a_clear_page(oidc, private_page, viewer):
    callback = cancel_at_idp(viewer, start(viewer), VIEWER_CALLBACK)

    reply = viewer.get(callback)

    assert reply.status_code == 403
    assert "Sign-in cancelled" in reply.text
    assert "Example SSO did not let you in." in reply.text
    refused(reply, viewer)


def test_a_made_up_callback_is_refused_without_asking_the_provider(oidc, private_page, viewer):
    start(viewer)

    reply = viewer.get(made_up_callback(VIEWER_CALLBACK, code="made-up"))

    assert reply.status_code == 400
    assert "This sign-in has expired or was already used." in reply.text
    assert "<b>x" not in reply.text
    refused(reply, viewer)


def test_a_tampered_state_is_refused(oidc, private_page, viewer):
    stopped = sign_in_at_idp(viewer, start(viewer), "vera-at-idp", stop_at=VIEWER_CALLBACK)

    reply = viewer.get(with_tampered_state(stopped.headers["X-Stopped-At"]))

    assert reply.status_code == 400
    refused(reply, viewer)


def test_a_replayed_callback_grants_nothing_more(oidc, private_page, viewer, new_browser):
    stopped = sign_in_at_idp(viewer, start(viewer), "vera-at-idp", stop_at=VIEWER_CALLBACK)
    callback = stopped.headers["X-Stopped-At"]
    assert viewer.get(callback).status_code == 200  # the page it was going to
    assert viewer_cookies(viewer)

    # The same browser again: its state was used up.
    again = viewer.session.get(callback, allow_redirects=False)
    assert again.status_code == 400
    assert "already used" in again.text
    assert COOKIE_NAME not in again.cookies

    # Someone else who read the callback URL: no sign-in of theirs matches it.
    thief = new_browser()
    stolen = thief.get(callback)
    assert stolen.status_code == 400
    refused(stolen, thief)


def test_an_id_token_for_another_nonce_is_refused(oidc, private_page, viewer):
    stopped = sign_in_at_idp(viewer, start(viewer), "vera-at-idp", stop_at=VIEWER_CALLBACK)
    # The nonce kept for this sign-in changes before the callback, as if the ID token had been
    # minted for another one.
    session = SessionStore(session_key=viewer.session.cookies["sessionid"])
    # A session is no iterable of its keys.
    [key] = [key for key in session.keys() if key.startswith("_state_")]  # noqa: SIM118
    state = session[key]
    state["data"]["nonce"] = "not-the-one-sent"
    session[key] = state
    session.save()

    reply = viewer.get(stopped.headers["X-Stopped-At"])

    assert reply.status_code == 400
    assert "The answer from Example SSO could not be checked." in reply.text
    refused(reply, viewer)


def test_a_provider_that_is_down_when_the_sign_in_starts_gets_a_clear_page(
    oidc, private_page, viewer
):
    oidc.stop()

    reply = viewer.get("/viewer/oidc/start?next=/")

    assert reply.status_code == 502
    assert "Example SSO could not be reached" in reply.text
    refused(reply, viewer)


def test_a_provider_that_goes_down_before_the_callback_gets_a_clear_page(
    oidc, private_page, viewer
):
    stopped = sign_in_at_idp(viewer, start(viewer), "vera-at-idp", stop_at=VIEWER_CALLBACK)
    oidc.stop()

    reply = viewer.get(stopped.headers["X-Stopped-At"])

    assert reply.status_code == 502
    assert "Example SSO could not be reached" in reply.text
    refused(reply, viewer)


def test_a_hung_provider_gets_a_clear_page_within_the_timeout(oidc, private_page, viewer, settings):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 1
    stopped = sign_in_at_idp(viewer, start(viewer), "vera-at-idp", stop_at=VIEWER_CALLBACK)

    with oidc.hung():
        began = time.monotonic()
        reply = viewer.get(stopped.headers["X-Stopped-At"])
        waited = time.monotonic() - began

    assert reply.status_code == 502
    assert "Example SSO could not be reached" in reply.text
    # One bounded wait per call to the provider (discovery, token, keys), not forever.
    assert waited < 30
    refused(reply, viewer)


def test_a_page_that_does_not_offer_the_provider_has_no_oidc_sign_in(oidc, private_page, viewer):
    private_page.viewer_oidc = False
    private_page.save()

    assert viewer.get("/viewer/oidc/start?next=/").status_code == 404
    assert viewer.get(f"{VIEWER_CALLBACK}?code=x&state=y").status_code == 404


def test_without_a_provider_configured_there_is_no_oidc_sign_in(private_page, viewer):
    assert viewer.get("/viewer/oidc/start?next=/").status_code == 404


def test_a_next_address_on_another_site_is_not_followed(oidc, private_page, viewer):
    idp = start(viewer, "https://evil.example/phish")
    stopped = sign_in_at_idp(viewer, idp, "vera-at-idp", stop_at=VIEWER_CALLBACK)

    reply = viewer.session.get(stopped.headers["X-Stopped-At"], allow_redirects=False)

    assert reply.status_code == 302
    assert reply.headers["Location"] == "/"
    assert viewer_cookies(viewer)


def test_a_sign_in_started_on_another_host_name_moves_to_the_pages_own(
    oidc, private_page, viewer, live_server
):
    other_host = live_server.url.replace("localhost", "127.0.0.1")
    if other_host == live_server.url:
        other_host = live_server.url.replace("127.0.0.1", "localhost")

    reply = viewer.session.get(other_host + "/viewer/oidc/start?next=/", allow_redirects=False)

    assert reply.status_code == 302
    assert reply.headers["Location"] == live_server.url + "/viewer/oidc/start?next=/"


class Oversized(BaseHTTPRequestHandler):
    """A provider whose discovery document would do, but for a megabyte of padding."""

    def do_GET(self) -> None:
        issuer = f"http://{self.headers['Host']}"
        document = {
            "issuer": issuer,
            "authorization_endpoint": issuer + "/auth",
            "token_endpoint": issuer + "/token",
            "jwks_uri": issuer + "/jwks",
            "padding": "x" * 1_000_000,
        }
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_provider_answering_without_end_is_read_no_further_than_the_bound(
    private_page, viewer, settings
):
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Oversized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        issuer = f"http://127.0.0.1:{server.server_port}"
        settings.SOCIALACCOUNT_PROVIDERS = OIDCProvider(
            redirect_uris=[], accounts={}, log=Path("/dev/null")
        ).settings_for_beacon()
        settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]["settings"] = {
            "server_url": issuer
        }

        reply = viewer.get("/viewer/oidc/start?next=/")
    finally:
        server.shutdown()
        server.server_close()

    assert reply.status_code == 502
    assert "Example SSO could not be reached, or its answer could not be read." in reply.text
    refused(reply, viewer)


def test_a_provider_added_in_the_admin_signs_viewers_in_as_well(
    oidc, private_page, viewer, settings
):
    oidc.add_in_admin(settings)
    sign_in = viewer.get("/viewer/sign-in?next=/history")
    assert "Sign in with Example SSO" in sign_in.text

    reply = sign_in_at_idp(viewer, start(viewer), "vera-at-idp", stop_at="/history")

    assert reply.headers["X-Stopped-At"] == viewer.base_url + "/history"
    assert viewer_cookies(viewer)
    assert not User.objects.exists()
