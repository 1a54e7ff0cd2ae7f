import time
import uuid

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from statuspage.admin_site import address_key, username_key

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"


def new_address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


@pytest.fixture
def address() -> str:
    """A client address of its own, so counts in Redis from other tests never interfere."""
    return new_address()


def attempt(address: str, username: str, password: str):
    return Client(REMOTE_ADDR=address).post(
        LOGIN_URL, {"username": username, "password": password, "next": "/admin/"}
    )


@override_settings(LOGIN_ATTEMPTS_LIMIT=3, LOGIN_ATTEMPTS_WINDOW=600)
def test_after_too_many_failures_even_the_right_password_is_refused(alice, address):
    for _ in range(3):
        assert attempt(address, "alice", "wrong").status_code == 200

    response = attempt(address, "alice", "correct horse battery")

    assert response.status_code == 429
    assert "Too many failed login attempts; try again in 10 minutes." in response.content.decode()
    assert int(response["Retry-After"]) > 0


@override_settings(LOGIN_ATTEMPTS_ADDRESS_LIMIT=3, LOGIN_ATTEMPTS_WINDOW=600)
def test_one_address_guessing_many_usernames_is_throttled(alice, address):
    # Fresh names: a name's own count outlives the test in Redis.
    names = [f"{name}-{uuid.uuid4().hex[:8]}" for name in ("root", "admin", "operator", "x")]
    for name in names[:3]:
        assert attempt(address, name, "guess").status_code == 200
    assert attempt(address, names[3], "guess").status_code == 429


@override_settings(LOGIN_ATTEMPTS_LIMIT=3, LOGIN_ATTEMPTS_WINDOW=600)
def test_a_username_failing_from_one_address_is_throttled_there_whatever_its_case(alice, address):
    for _ in range(3):
        attempt(address, "alice", "guess")
    assert attempt(address, "ALICE ", "correct horse battery").status_code == 429


@override_settings(LOGIN_ATTEMPTS_LIMIT=3, LOGIN_ATTEMPTS_WINDOW=600)
def test_a_stranger_failing_on_an_admins_username_does_not_lock_the_admin_out(alice, address):
    stranger = new_address()
    for _ in range(10):
        attempt(stranger, "alice", "guess")
    assert attempt(stranger, "alice", "correct horse battery").status_code == 429
    # Nor does a botnet, each of its addresses failing a few times.
    for _ in range(5):
        attempt(new_address(), "alice", "guess")

    response = attempt(address, "alice", "correct horse battery")

    assert response.status_code == 302


@override_settings(LOGIN_ATTEMPTS_LIMIT=3, LOGIN_ATTEMPTS_WINDOW=600)
def test_a_few_mistakes_then_the_right_password_logs_in(alice, address):
    attempt(address, "alice", "wrong")
    attempt(address, "alice", "wrong")
    response = attempt(address, "alice", "correct horse battery")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@override_settings(LOGIN_ATTEMPTS_LIMIT=1000, LOGIN_ATTEMPTS_ADDRESS_LIMIT=3)
def test_successful_logins_do_not_use_up_the_address_limit(alice, address):
    for _ in range(6):
        assert attempt(address, "alice", "correct horse battery").status_code == 302
    assert cache.get(address_key(address)) == 0


@override_settings(LOGIN_ATTEMPTS_LIMIT=2, LOGIN_ATTEMPTS_WINDOW=1)
def test_the_limit_is_lifted_when_the_window_has_passed(alice, address):
    attempt(address, "alice", "wrong")
    attempt(address, "alice", "wrong")
    assert attempt(address, "alice", "correct horse battery").status_code == 429
    # Redis expires the counts at the end of the window, however often they were refused.
    deadline = time.monotonic() + 30
    while cache.get(username_key(address, "alice")) is not None:
        assert time.monotonic() < deadline, "the count never expired"
        time.sleep(0.2)
    assert attempt(address, "alice", "correct horse battery").status_code == 302


def test_the_login_page_shows_the_site_name(db):
    html = Client().get(LOGIN_URL).content.decode()
    assert "Beacon" in html
