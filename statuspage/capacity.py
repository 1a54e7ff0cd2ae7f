"""Threads kept for the reads that need no dependency, whatever the requests inside Django wait on.

A web process serves requests on WEB_THREADS threads. Stored public documents are answered by
the snapshot lane without PostgreSQL or Redis, but requests that go into Django (the admin, the
operator API, a page never rendered) may wait on a sick dependency for up to its bound
(DB_CONNECT_TIMEOUT, DB_QUERY_TIMEOUT, the broker's socket timeouts). Were every thread waiting
so, the public page, the API documents and `/healthz` would queue behind them at the worst
moment. So at most WEB_THREADS - WEB_RESERVED_THREADS requests are inside Django at once in a
process. A request that finds them all taken waits up to QUEUE_SECONDS for a turn, as long as
fewer than WEB_RESERVED_THREADS - 1 others are waiting (a burst on a healthy server gets through:
turns come back in milliseconds); else it is answered at once with a 503 and Retry-After,
nothing of it having run, so it is safe to send again. At least one thread is so always free
for the lane, `/healthz` and `/readyz`, which this wrapper answers before the limit.
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse

from . import health

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

BUSY_BODY = (
    b"Beacon is busy: every thread for this kind of request is waiting on the database or the "
    b"broker. Nothing of this request was done; send it again in a few seconds.\n"
)
BUSY_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(BUSY_BODY))),
    ("Retry-After", "2"),
    ("Cache-Control", "no-store"),
]


QUEUE_SECONDS = 1.0


def django_slots() -> tuple[int, int]:
    """How many requests may be inside Django at once in one web process, and how many more
    may wait for a turn."""
    reserved = min(settings.WEB_RESERVED_THREADS, settings.WEB_THREADS - 1)
    return settings.WEB_THREADS - reserved, max(0, reserved - 1)


class _Released:
    """The response's iterable, releasing the slot once the server has closed it."""

    def __init__(self, body: Iterable[bytes], release: Callable[[], None]) -> None:
        self.body = body
        self.release = release

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.release()


class ReservedCapacity:
    def __init__(self, application: WSGIApp) -> None:
        self.application = application
        self.slots, self.queue = django_slots()
        self._free = threading.BoundedSemaphore(self.slots)
        self._guard = threading.Lock()
        self._waiting = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        view = health.VIEWS.get(environ.get("PATH_INFO", ""))
        if view is not None:
            return _answer(view(WSGIRequest(environ)), start_response)
        if not self._take_turn():
            start_response("503 Service Unavailable", BUSY_HEADERS)
            return [BUSY_BODY]
        try:
            body = self.application(environ, start_response)
        except BaseException:
            self._free.release()
            raise
        return _Released(body, self._free.release)

    def _take_turn(self) -> bool:
        if self._free.acquire(blocking=False):
            return True
        with self._guard:
            if self._waiting >= self.queue:
                return False
            self._waiting += 1
        try:
            return self._free.acquire(timeout=QUEUE_SECONDS)
        finally:
            with self._guard:
                self._waiting -= 1


def _answer(response: HttpResponse, start_response: StartResponse) -> Iterable[bytes]:
    status = f"{response.status_code} {response.reason_phrase}"
    start_response(status, list(response.items()))
    return [response.content]
