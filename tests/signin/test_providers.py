"""Several OpenID Connect providers at once: OIDC_ISSUER's and one from OIDC_PROVIDERS, each a
real node-oidc-provider on its own port, each with its own button and its own allowed domains."""

import json
from collections.abc import Iterator

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import User

from events.models import AccountAction, AuditEntry
from statuspage.oidc_settings import parse_providers
from tests.support.oidc import OIDCProvider, form_on

from .conftest import Browser
from .test_sso import sign_in_at_idp

pytestmark = pytest.mark.django_db(transaction=True)

PARTNER_CALLBACK = "/accounts/oidc/partner/login/callback/"


@pytest.fixture
def partner(oidc, live_server, settings, tmp_path) -> Iterator[OIDCProvider]:
    """A second provider, configured through OIDC_PROVIDERS beside OIDC_ISSUER's (oidc)."""
    provider = OIDCProvider(
        redirect_uris=[live_server.url + PARTNER_CALLBACK],
        accounts={
            "dave": {"email": "dave@partner.example", "email_verified": True},
            "bob-elsewhere": {"email": "bob@example.com", "email_verified": True},
        },
        log=tmp_path / "oidc-partner.log",
    ).start()
    ((app, provider_id, policy),) = parse_providers(
        json.dumps(
            [
                {
                    "id": "partner",
                    "name": "Partner ID",
                    "issuer": provider.issuer,
                    "client_id": provider.client_id,
                    "client_secret": provider.client_secret,
                    "allowed_domains": ["partner.example"],
                }
            ]
        )
    )
    settings.SIGNIN_OIDC_POLICIES = {provider_id: policy}
    apps = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [*apps, app]}
    }
    yield provider
    provider.stop()


@pytest.fixture
def dave(db) -> User:
    return User.objects.create_user("dave", "dave@partner.example", is_staff=True)


def start_with(browser: Browser, button: str) -> requests.Response:
    page = browser.get("/admin/")
    assert page.url.startswith(browser.base_url + "/accounts/login/")
    forms = [form for form in page.text.split("<form")[1:] if f'value="{button}"' in form]
    assert forms, page.text
    action, fields = form_on("<form" + forms[0], page.url)
    idp = browser.post(action, fields)
    assert "prompt" in idp.text, idp.text[:2000]
    return idp


def test_the_sign_in_page_shows_a_button_for_each_provider(partner, browser):
    page = browser.get("/accounts/login/?next=/admin/")

    assert "Sign in with Example SSO" in page.text
    assert "Sign in with Partner ID" in page.text
    assert "/accounts/oidc/sso/login/" in page.text
    assert "/accounts/oidc/partner/login/" in page.text


def test_each_provider_signs_in_its_own_operators(partner, oidc, new_browser, bob, dave):
    for button, issuer, username, user, provider in [
        ("Sign in with Partner ID", partner.issuer, "dave", dave, "partner"),
        ("Sign in with Example SSO", oidc.issuer, "bob-at-idp", bob, "sso"),
    ]:
        browser = new_browser()
        idp = start_with(browser, button)
        assert idp.url.startswith(issuer)

        reply = sign_in_at_idp(browser, idp, username)

        assert reply.url == browser.base_url + "/admin/"
        assert SocialAccount.objects.get(user=user).provider == provider

    methods = [
        e.after for e in AuditEntry.objects.filter(action=AccountAction.SIGN_IN).order_by("id")
    ]
    assert [(m["method"], m["provider"]) for m in methods if m] == [
        ("sso", "partner"),
        ("sso", "sso"),
    ]


def test_a_providers_allowed_domains_apply_to_it_alone(partner, browser, bob):
    reply = sign_in_at_idp(browser, start_with(browser, "Sign in with Partner ID"), "bob-elsewhere")

    assert reply.status_code == 403
    assert "only addresses in partner.example may sign in to Beacon through Partner ID" in (
        reply.text
    )
    assert not SocialAccount.objects.exists()
    (refused,) = AuditEntry.objects.filter(action=AccountAction.SIGN_IN_FAILED)
    assert refused.after == {
        "method": "sso",
        "provider": "partner",
        "reason": "email domain not allowed",
        "emails": ["bob@example.com"],
        "address": "127.0.0.1",
    }


def test_one_provider_down_leaves_the_other_working(partner, oidc, new_browser, bob):
    partner.stop()
    first = new_browser()
    page = first.get("/accounts/login/?next=/admin/")
    forms = [f for f in page.text.split("<form")[1:] if 'value="Sign in with Partner ID"' in f]
    action, fields = form_on("<form" + forms[0], page.url)

    reply = first.post(action, fields)

    assert reply.status_code == 502
    assert "Partner ID could not be reached" in reply.text
    other = new_browser()
    reply = sign_in_at_idp(other, start_with(other, "Sign in with Example SSO"), "bob-at-idp")
    assert reply.url == other.base_url + "/admin/"
