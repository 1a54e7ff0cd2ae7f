"""The login throttle under concurrent attempts, and with Redis stopped or hung.

Each attempt is a real request through the test client in its own thread, on the real Redis;
a counting password hasher tells how many passwords were actually checked.
"""

import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings

from tests.support.hashers import CountingHasher

LOGIN_URL = "/admin/login/"
PASSWORD = "correct horse battery"
CONCURRENT = 12


@pytest.fixture
def counting_hasher(settings) -> Iterator[type[CountingHasher]]:
    settings.PASSWORD_HASHERS = ["tests.support.hashers.CountingHasher"]
    CountingHasher.checks = 0
    CountingHasher.seconds = 0.3
    yield CountingHasher
    CountingHasher.seconds = 0.0


def new_address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def attempt(address: str, username: str, password: str) -> int:
    return (
        Client(REMOTE_ADDR=address)
        .post(LOGIN_URL, {"username": username, "password": password, "next": "/admin/"})
        .status_code
    )


def at_once(attempts: list[tuple[str, str, str]]) -> Counter[int]:
    """Run the attempts in threads released together; count the status codes."""
    barrier = threading.Barrier(len(attempts))
    statuses: list[int] = []
    lock = threading.Lock()

    def run(address: str, username: str, password: str) -> None:
        try:
            barrier.wait(timeout=30)
            status = attempt(address, username, password)
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=a) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == len(attempts)
    return Counter(statuses)


@pytest.mark.django_db(transaction=True)
@override_settings(LOGIN_ATTEMPTS_LIMIT=5, LOGIN_ATTEMPTS_ADDRESS_LIMIT=1000)
def test_concurrent_attempts_on_one_username_check_at_most_the_limit(counting_hasher):
    User.objects.create_superuser("alice", "alice@example.com", PASSWORD)
    address = new_address()

    statuses = at_once([(address, "alice", "wrong")] * CONCURRENT)

    assert counting_hasher.checks <= 5
    assert statuses[429] >= CONCURRENT - 5
    assert statuses[200] == counting_hasher.checks  # the ones checked were told "wrong"


@pytest.mark.django_db(transaction=True)
@override_settings(LOGIN_ATTEMPTS_LIMIT=5, LOGIN_ATTEMPTS_ADDRESS_LIMIT=5)
def test_concurrent_attempts_from_one_address_check_at_most_its_limit(counting_hasher):
    names = [f"op{n}" for n in range(CONCURRENT)]
    for name in names:
        User.objects.create_superuser(name, f"{name}@example.com", PASSWORD)
    address = new_address()

    statuses = at_once([(address, name, "wrong") for name in names])

    assert counting_hasher.checks <= 5
    assert statuses[429] >= CONCURRENT - 5


class HungServer:
    """Accepts connections (the kernel does, from its backlog) and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_at(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["stopped", "hung"])
def test_login_works_unthrottled_when_redis_is_stopped_or_hung(alice, state):
    hung = HungServer() if state == "hung" else None
    port = hung.port if hung else free_port()
    try:
        with override_settings(CACHES=redis_at(port), LOGIN_ATTEMPTS_LIMIT=1):
            address = new_address()
            assert attempt(address, "alice", "wrong") == 200
            assert attempt(address, "alice", "wrong") == 200
            started = time.monotonic()
            assert attempt(address, "alice", PASSWORD) == 302
            # Each cache call gives up after its 1 s socket timeout; generous for a busy machine.
            assert time.monotonic() - started < 20
    finally:
        if hung:
            hung.close()
