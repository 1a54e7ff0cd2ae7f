"""The limit on requests inside Django keeps threads for health checks and stored documents."""

import io
import threading
import time
from typing import Any

import pytest

from statuspage.capacity import ReservedCapacity


class HeldApplication:
    """A WSGI application whose requests wait until released, like ones on a hung database."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.inside = 0
        self.guard = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self.guard:
            self.inside += 1
        self.release.wait(30)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]


def request(application: Any, path: str = "/admin/") -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    started: list[str] = []
    body = application(environ, lambda status, headers: started.append(status))
    try:
        return started[0], b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()


def in_thread(application: Any, answers: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: answers.append(request(application)), daemon=True)
    thread.start()
    return thread


@pytest.fixture
def held(settings):
    settings.WEB_THREADS = 4
    settings.WEB_RESERVED_THREADS = 2
    inner = HeldApplication()
    yield inner, ReservedCapacity(inner)
    inner.release.set()


def wait_inside(inner: HeldApplication, count: int) -> None:
    deadline = time.monotonic() + 10
    while inner.inside < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert inner.inside == count


def test_requests_beyond_the_limit_get_a_503_that_says_nothing_was_done(held):
    inner, application = held
    assert (application.slots, application.queue) == (2, 1)
    answers: list = []
    threads = [in_thread(application, answers) for _ in range(2)]
    wait_inside(inner, 2)

    status, body = request(application)
    assert status.startswith("503")
    assert b"Nothing of this request was done" in body
    assert inner.inside == 2  # the refused request never reached Django

    inner.release.set()
    for thread in threads:
        thread.join(10)
    assert answers == [("200 OK", b"done")] * 2
    # Turns are given back when the server closes the response.
    assert request(application)[0] == "200 OK"


def test_a_request_that_finds_django_full_waits_for_a_turn(held):
    inner, application = held
    answers: list = []
    threads = [in_thread(application, answers) for _ in range(2)]
    wait_inside(inner, 2)
    waiting = in_thread(application, answers)
    time.sleep(0.2)
    inner.release.set()  # a turn comes back within the second the third one waits
    for thread in [*threads, waiting]:
        thread.join(10)
    assert answers == [("200 OK", b"done")] * 3


def test_health_checks_answer_while_every_thread_for_django_is_waiting(held, db):
    inner, application = held
    threads = [in_thread(application, []) for _ in range(2)]
    wait_inside(inner, 2)

    assert request(application, "/healthz") == ("200 OK", b"ok")
    status, body = request(application, "/readyz")
    assert status == "200 OK", body
    assert b'"database": "ok"' in body
    inner.release.set()
    for thread in threads:
        thread.join(10)
