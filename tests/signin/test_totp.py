"""Two-factor login: TOTP set up from the secret Beacon shows, codes computed from it as an
authenticator app would, recovery codes, and MFA_REQUIRED."""

import re
import uuid
from html import unescape

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from tests.support.totp import totp_code, wrong_code

pytestmark = pytest.mark.django_db

ADMIN_INDEX = "/admin/"


def new_client() -> Client:
    """A client of its own address, so throttle counts from other tests never interfere."""
    return Client(REMOTE_ADDR=f"10.8.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")


def sign_in_with_password(client: Client, username: str, password: str):
    return client.post(
        "/accounts/login/?next=/admin/",
        {"login": username, "password": password, "next": ADMIN_INDEX},
        follow=True,
    )


def set_up_totp(client: Client) -> tuple[str, list[str]]:
    """Activate TOTP from the secret the setup page shows; the recovery codes Beacon then lists."""
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text)
    if secret is None:
        secret = re.search(r'value="([A-Z2-7]+)"[^>]*id="authenticator_secret"', page.text)
    assert secret, page.text
    done = client.post(
        "/accounts/2fa/totp/activate/", {"code": totp_code(secret.group(1))}, follow=True
    )
    assert done.status_code == 200
    codes = re.search(r'<textarea[^>]*id="recovery_codes"[^>]*>(.*?)</textarea>', done.text, re.S)
    assert codes, done.text
    return secret.group(1), unescape(codes.group(1)).split()


@pytest.fixture
def alice_with_totp(alice, mfa_on) -> tuple[str, list[str]]:
    client = new_client()
    assert sign_in_with_password(client, "alice", "correct horse battery").redirect_chain
    return set_up_totp(client)


def past_alices_password() -> Client:
    """A new client that gave alice's password, now asked for her second factor."""
    client = new_client()
    sign_in_with_password(client, "alice", "correct horse battery")
    return client


def test_with_totp_set_up_a_password_alone_does_not_open_the_admin(alice_with_totp):
    client = new_client()

    reply = sign_in_with_password(client, "alice", "correct horse battery")

    assert reply.request["PATH_INFO"] == "/accounts/2fa/authenticate/"
    assert "Two-Factor Authentication" in reply.text
    assert client.get(ADMIN_INDEX).status_code == 302


def test_the_password_then_the_apps_current_code_opens_the_admin(alice_with_totp):
    secret, _ = alice_with_totp
    client = past_alices_password()

    reply = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}, follow=True)

    assert reply.redirect_chain[-1][0] == ADMIN_INDEX
    assert client.get(ADMIN_INDEX).status_code == 200


def test_a_wrong_code_is_refused_and_the_admin_stays_shut(alice_with_totp):
    secret, _ = alice_with_totp
    client = past_alices_password()

    reply = client.post("/accounts/2fa/authenticate/", {"code": wrong_code(secret)})

    assert reply.status_code == 200
    assert "Incorrect code." in reply.text
    assert client.get(ADMIN_INDEX).status_code == 302


def test_after_five_wrong_codes_even_the_right_one_is_refused_for_a_while(alice_with_totp):
    secret, _ = alice_with_totp
    client = past_alices_password()
    for _ in range(5):
        client.post("/accounts/2fa/authenticate/", {"code": wrong_code(secret)})

    reply = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})

    assert "Too many failed login attempts. Try again later." in reply.text
    assert client.get(ADMIN_INDEX).status_code == 302


def test_a_code_already_used_is_refused_the_second_time(alice_with_totp):
    secret, _ = alice_with_totp
    code = totp_code(secret)
    first = past_alices_password()
    first.post("/accounts/2fa/authenticate/", {"code": code})
    assert first.get(ADMIN_INDEX).status_code == 200

    second = past_alices_password()
    reply = second.post("/accounts/2fa/authenticate/", {"code": code})

    assert "Incorrect code." in reply.text
    assert second.get(ADMIN_INDEX).status_code == 302


def test_a_recovery_code_works_once(alice_with_totp):
    _, recovery_codes = alice_with_totp
    assert len(recovery_codes) == 10
    first = past_alices_password()
    first.post("/accounts/2fa/authenticate/", {"code": recovery_codes[0]})
    assert first.get(ADMIN_INDEX).status_code == 200

    second = past_alices_password()
    reply = second.post("/accounts/2fa/authenticate/", {"code": recovery_codes[0]})

    assert "Incorrect code." in reply.text
    assert second.get(ADMIN_INDEX).status_code == 302


def test_the_admins_own_login_form_cannot_skip_the_second_factor(alice_with_totp):
    client = new_client()

    reply = client.post(
        "/admin/login/?next=/admin/",
        {"username": "alice", "password": "correct horse battery", "next": ADMIN_INDEX},
    )

    assert reply.status_code == 302
    assert reply["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert client.get(ADMIN_INDEX).status_code == 302


def test_the_login_page_sends_nowhere_but_this_site(mfa_on):
    reply = new_client().get("/admin/login/?next=https://evil.example/")

    assert reply["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_with_mfa_required_an_operator_without_totp_is_sent_to_set_it_up(bob, settings):
    settings.SIGNIN_MFA_REQUIRED = True
    settings.SIGNIN_MFA_ENABLED = True
    client = new_client()

    reply = sign_in_with_password(client, "bob", "bobs long password 42")

    assert reply.request["PATH_INFO"] == "/accounts/2fa/totp/activate/"
    assert client.get("/admin/incidents/incident/")["Location"].startswith(
        "/accounts/2fa/totp/activate/?next="
    )
    set_up_totp(client)
    assert Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists()
    assert client.get(ADMIN_INDEX).status_code == 200


def test_password_attempts_on_the_sign_in_page_are_throttled_like_the_admins(alice, settings):
    settings.SIGNIN_MFA_ENABLED = True
    settings.LOGIN_ATTEMPTS_LIMIT = 2
    settings.LOGIN_ATTEMPTS_WINDOW = 600
    client = new_client()
    for _ in range(2):
        assert "not correct" in sign_in_with_password(client, "alice", "wrong").text

    reply = sign_in_with_password(client, "alice", "correct horse battery")

    assert "Too many failed login attempts; try again in 10 minutes." in reply.text
    assert client.get(ADMIN_INDEX).status_code == 302


def test_a_stranger_failing_on_an_operators_username_does_not_lock_the_operator_out(
    alice, settings
):
    settings.SIGNIN_MFA_ENABLED = True
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    stranger = new_client()
    for _ in range(8):
        sign_in_with_password(stranger, "alice", "guess")
    assert "Too many failed login attempts" in sign_in_with_password(stranger, "alice", "x").text

    reply = sign_in_with_password(new_client(), "alice", "correct horse battery")

    assert reply.redirect_chain[-1][0] == ADMIN_INDEX


def test_a_non_staff_user_is_refused_like_a_wrong_password(mfa_on, django_user_model):
    django_user_model.objects.create_user("carol", "carol@example.com", "carols long password")
    client = new_client()

    reply = sign_in_with_password(client, "carol", "carols long password")

    assert "The username and/or password you specified are not correct." in reply.text


def test_while_sign_in_is_off_accounts_pages_do_not_exist_and_the_admin_logs_in_as_before(alice):
    client = new_client()
    for path in ("/accounts/", "/accounts/login/", "/accounts/2fa/"):
        reply = client.get(path)
        assert reply.status_code == 404
        assert "Cookie" not in reply.get("Vary", "")
        assert not reply.cookies

    reply = client.post(
        "/admin/login/?next=/admin/",
        {"username": "alice", "password": "correct horse battery", "next": ADMIN_INDEX},
    )

    assert reply.status_code == 302
    assert reply["Location"] == ADMIN_INDEX


def test_pages_beacon_does_not_use_stay_hidden_when_sign_in_is_on(mfa_on):
    client = new_client()
    for path in ("/accounts/signup/", "/accounts/password/reset/", "/accounts/email/"):
        assert client.get(path).status_code == 404
