"""Single sign-on through a real OpenID Connect provider (node-oidc-provider) on this machine."""

import re
import time

import pytest
import requests
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount

from events.models import AccountAction, AuditEntry
from tests.support.oidc import (
    cancel_at_idp,
    form_on,
    made_up_callback,
    sign_in_at_idp,
    with_tampered_state,
)
from tests.support.totp import totp_code

from .conftest import CALLBACK, Browser

pytestmark = pytest.mark.django_db(transaction=True)


def start_sso(browser: Browser) -> requests.Response:
    """From the admin to the provider's sign-in page, through Beacon's "Sign in with" button."""
    page = browser.get("/admin/")
    assert page.url.startswith(browser.base_url + "/accounts/login/")
    assert "Sign in with Example SSO" in page.text
    action, fields = form_on(page.text, page.url)
    assert "/accounts/oidc/sso/login/" in action
    idp = browser.post(action, fields)
    assert "prompt" in idp.text, idp.text[:2000]
    return idp


def test_an_operator_signs_in_through_the_provider_and_reaches_the_admin(
    oidc, browser, new_browser, bob
):
    reply = sign_in_at_idp(browser, start_sso(browser), "bob-at-idp")

    assert reply.status_code == 200
    assert reply.url == browser.base_url + "/admin/"
    assert "Site administration" in reply.text or "Status page administration" in reply.text
    assert SocialAccount.objects.get(user=bob).uid == "bob-at-idp"

    # The link holds: signing in again finds bob by the provider's subject.
    again = new_browser()
    assert sign_in_at_idp(again, start_sso(again), "bob-at-idp").url == browser.base_url + "/admin/"


def test_someone_the_provider_knows_but_beacon_does_not_gets_a_clear_refusal(oidc, browser, bob):
    reply = sign_in_at_idp(browser, start_sso(browser), "stranger")

    assert reply.status_code == 403
    assert "No operator account" in reply.text
    assert "stranger@example.com" in reply.text
    assert "bob@example.com" not in reply.text.lower()
    assert not SocialAccount.objects.exists()
    assert browser.get("/admin/").url.startswith(browser.base_url + "/accounts/login/")


def test_an_email_the_provider_did_not_verify_matches_no_operator(oidc, browser, bob):
    reply = sign_in_at_idp(browser, start_sso(browser), "unverified-bob")

    assert reply.status_code == 403
    assert "without an email address it has verified" in reply.text
    assert not SocialAccount.objects.exists()


def test_only_the_allowed_email_domains_may_sign_in(oidc, browser, bob, settings):
    settings.SIGNIN_OIDC_ALLOWED_DOMAINS = ["beacon.example"]

    reply = sign_in_at_idp(browser, start_sso(browser), "bob-at-idp")

    assert reply.status_code == 403
    assert "No operator account" in reply.text
    assert "only addresses in beacon.example may sign in to Beacon through Example SSO" in (
        reply.text
    )
    assert not SocialAccount.objects.exists()


def test_a_provider_that_answers_with_an_error_gets_a_clear_page(oidc, browser, bob):
    callback = cancel_at_idp(browser, start_sso(browser), CALLBACK)

    reply = browser.get(callback)

    assert reply.status_code == 200
    assert "Sign-in cancelled" in reply.text
    assert "did not let you in" in reply.text
    assert "Traceback" not in reply.text
    assert not SocialAccount.objects.exists()
    failed = AuditEntry.objects.get(action=AccountAction.SIGN_IN_FAILED)
    assert (failed.after or {})["reason"] == "cancelled"


def test_a_made_up_error_callback_never_fails_with_a_server_error(oidc, browser, bob):
    start_sso(browser)

    reply = browser.get(made_up_callback(CALLBACK, error="access_denied"))

    assert reply.status_code == 401
    assert "Sign-in failed" in reply.text
    assert "<b>x" not in reply.text


def test_a_tampered_state_is_refused(oidc, browser, bob):
    stopped = sign_in_at_idp(browser, start_sso(browser), "bob-at-idp", stop_at=CALLBACK)

    reply = browser.get(with_tampered_state(stopped.headers["X-Stopped-At"]))

    assert reply.status_code == 401
    assert "Sign-in failed" in reply.text
    assert not SocialAccount.objects.exists()
    assert browser.get("/admin/").url.startswith(browser.base_url + "/accounts/login/")


def test_with_sso_required_operators_may_not_use_a_password_but_superusers_may(
    oidc, browser, new_browser, bob, alice, settings
):
    settings.SIGNIN_OIDC_REQUIRED = True
    page = browser.get("/accounts/login/?next=/admin/")
    action, fields = form_on(page.text, page.url, form_id="login-form")

    refused = browser.post(action, fields | {"login": "bob", "password": "bobs long password 42"})

    assert refused.status_code == 200
    assert "Sign in with Example SSO: password sign-in is kept for superusers." in refused.text
    assert browser.get("/admin/").url.startswith(browser.base_url + "/accounts/login/")

    admin = new_browser()
    page = admin.get("/accounts/login/?next=/admin/")
    action, fields = form_on(page.text, page.url, form_id="login-form")
    reply = admin.post(action, fields | {"login": "alice", "password": "correct horse battery"})
    assert reply.url == browser.base_url + "/admin/"


def test_a_provider_added_in_the_admin_signs_operators_in_as_well(oidc, browser, bob, settings):
    oidc.add_in_admin(settings)

    reply = sign_in_at_idp(browser, start_sso(browser), "bob-at-idp")

    assert reply.url == browser.base_url + "/admin/"
    assert SocialAccount.objects.get(user=bob).uid == "bob-at-idp"


def test_a_provider_that_is_down_gets_a_clear_page(oidc, browser, bob):
    page = browser.get("/accounts/login/?next=/admin/")
    action, fields = form_on(page.text, page.url)
    oidc.stop()

    reply = browser.post(action, fields)

    assert reply.status_code == 502
    assert "Example SSO could not be reached" in reply.text
    assert "Traceback" not in reply.text


def test_an_operator_with_totp_gives_the_code_after_the_provider(oidc, browser, bob, settings):
    settings.SIGNIN_MFA_ENABLED = True
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(bob, secret)

    reply = sign_in_at_idp(browser, start_sso(browser), "bob-at-idp")

    assert reply.url == browser.base_url + "/accounts/2fa/authenticate/"
    # The admin stays shut: it sends bob back to the code.
    assert browser.get("/admin/").url == browser.base_url + "/accounts/2fa/authenticate/"
    action, fields = form_on(reply.text, reply.url)
    reply = browser.post(action, fields | {"code": totp_code(secret)})
    assert reply.url == browser.base_url + "/admin/"


def test_with_mfa_required_an_operator_signed_in_by_the_provider_sets_up_totp_at_once(
    oidc, browser, bob, settings
):
    settings.SIGNIN_MFA_ENABLED = settings.SIGNIN_MFA_REQUIRED = True

    reply = sign_in_at_idp(browser, start_sso(browser), "bob-at-idp")

    # No password to confirm first: bob has none, and he has just signed in.
    assert reply.url.startswith(browser.base_url + "/accounts/2fa/totp/activate/")
    secret = re.search(r'value="([A-Z2-7]{16,})"', reply.text)
    assert secret, reply.text
    action, fields = form_on(reply.text, reply.url)
    done = browser.post(action, fields | {"code": totp_code(secret.group(1))})
    assert done.url == browser.base_url + "/accounts/2fa/recovery-codes/"
    assert browser.get("/admin/").url == browser.base_url + "/admin/"


def test_a_provider_trusted_for_its_emails_matches_an_unverified_one(oidc, browser, bob, settings):
    settings.SIGNIN_OIDC_TRUST_EMAIL = True

    reply = sign_in_at_idp(browser, start_sso(browser), "unverified-bob")

    assert reply.url == browser.base_url + "/admin/"
    assert SocialAccount.objects.get(user=bob).uid == "unverified-bob"


def test_a_provider_that_hangs_when_the_sign_in_starts_gets_a_clear_page_in_bounded_time(
    oidc, browser, bob, settings
):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 2
    page = browser.get("/accounts/login/?next=/admin/")
    action, fields = form_on(page.text, page.url)

    with oidc.hung():
        started = time.monotonic()
        reply = browser.post(action, fields)
        waited = time.monotonic() - started

    assert reply.status_code == 502
    assert "Example SSO could not be reached" in reply.text
    # Bounded by the requests timeout, not by the provider: generous for a loaded machine.
    assert waited < 30


def test_a_provider_that_hangs_after_the_operator_signed_in_there_gets_a_clear_page(
    oidc, browser, bob, settings
):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 2
    stopped = sign_in_at_idp(browser, start_sso(browser), "bob-at-idp", stop_at=CALLBACK)

    with oidc.hung():
        reply = browser.get(stopped.headers["X-Stopped-At"])

    assert reply.status_code in (401, 502)
    assert "Traceback" not in reply.text
    assert "Sign-in failed" in reply.text or "could not be reached" in reply.text
    assert not SocialAccount.objects.exists()
    assert browser.get("/admin/").url.startswith(browser.base_url + "/accounts/login/")
    failed = AuditEntry.objects.get(action=AccountAction.SIGN_IN_FAILED)
    assert (failed.after or {})["provider"] == "sso"
