import uuid

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from statuspage.admin_site import throttle_keys

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"


@pytest.fixture(autouse=True)
def forget_alice():
    """Counts live in Redis, outside the test transaction: start and end each test clean."""
    forget("alice")
    yield
    forget("alice")


def forget(username: str) -> None:
    key = throttle_keys("", username)[1]
    cache.delete_many([key + ":count", key + ":since"])


@pytest.fixture
def address() -> str:
    """A client address of its own, so counts from other tests never interfere."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


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


@override_settings(LOGIN_ATTEMPTS_LIMIT=3, LOGIN_ATTEMPTS_WINDOW=600)
def test_one_address_guessing_many_usernames_is_throttled(alice, address):
    # Fresh names: a name's own count outlives the test in Redis.
    names = [f"{name}-{uuid.uuid4().hex[:8]}" for name in ("root", "admin", "operator", "x")]
    for name in names[:3]:
        assert attempt(address, name, "guess").status_code == 200
    assert attempt(address, names[3], "guess").status_code == 429


@override_settings(LOGIN_ATTEMPTS_LIMIT=3, LOGIN_ATTEMPTS_WINDOW=600)
def test_one_username_attacked_from_many_addresses_is_throttled(db, address):
    username = f"victim-{uuid.uuid4().hex[:8]}"
    for n in range(3):
        attempt(f"{address}{n}", username, "guess")
    response = attempt(address, username.upper(), "guess")
    assert response.status_code == 429


@override_settings(LOGIN_ATTEMPTS_LIMIT=3, LOGIN_ATTEMPTS_WINDOW=600)
def test_a_few_mistakes_then_the_right_password_logs_in(alice, address):
    attempt(address, "alice", "wrong")
    attempt(address, "alice", "wrong")
    response = attempt(address, "alice", "correct horse battery")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@override_settings(LOGIN_ATTEMPTS_LIMIT=2, LOGIN_ATTEMPTS_WINDOW=60)
def test_the_limit_is_lifted_when_the_window_has_passed(alice, address):
    attempt(address, "alice", "wrong")
    attempt(address, "alice", "wrong")
    assert attempt(address, "alice", "correct horse battery").status_code == 429
    # Expire the counters as the cache does at the end of the window.
    for key in throttle_keys(address, "alice"):
        cache.delete_many([key + ":count", key + ":since"])
    assert attempt(address, "alice", "correct horse battery").status_code == 302


def test_the_login_page_shows_the_site_name(db):
    html = Client().get(LOGIN_URL).content.decode()
    assert "Beacon" in html
