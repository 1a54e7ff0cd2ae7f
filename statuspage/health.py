"""Liveness and readiness for load balancers and container health checks.

`/healthz` answers from the web process alone: no database, no cache, no session, so a
PostgreSQL outage (when the public pages still serve their last snapshot) does not mark the web
unhealthy. `/readyz` says whether the dependencies answer (PostgreSQL, Redis when configured,
the snapshot directory): 200 when all do, 503 naming the ones that do not. Use it for monitoring
and deploys, not to take web processes out of a load balancer: they keep serving snapshots
while PostgreSQL is down.

Both answer in their usual time whatever the dependencies do. The web server answers them
before Django and before the limit on requests inside Django (statuspage/capacity.py), so they
never queue behind requests waiting on a hung database. Each readiness check has a bound of
CHECK_SECONDS on its own connection (a server that accepts connections and never answers is
"unavailable: timeout"), the checks run side by side, and a process runs one set of checks at a
time: a probe that comes while one runs gets the last answer.

The middleware answers before any other, so the check also works when the prober's Host
header is not in ALLOWED_HOSTS (load balancers often probe by IP address) and is never
redirected to https.
"""

import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PATH = "/healthz"
READY_PATH = "/readyz"
CHECK_SECONDS = 1.0

if settings.REDIS_URL:
    # Loaded with the process, not by the first check: importing redis-py (which nothing else
    # loads at start any more) can take longer than CHECK_SECONDS on a busy machine.
    import redis  # noqa: F401


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _check_database() -> None:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return
    from .db.base import BoundedConnection

    # Its own connection, not this thread's: that one may be in a transaction, or unbounded.
    params = connection.get_connection_params()
    params["connect_timeout"] = 2  # libpq's least
    probe = BoundedConnection.connect(**params)
    try:
        probe.beacon_wait = CHECK_SECONDS
        probe.execute("SELECT 1")
    finally:
        probe.close()


def _check_redis() -> None:
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=CHECK_SECONDS,
        socket_timeout=CHECK_SECONDS,
        retry=None,  # redis-py retries a timeout three times by default
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_snapshots() -> None:
    folder = settings.SNAPSHOT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"{folder} is not writable")


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "redis": _check_redis,
    "snapshots": _check_snapshots,
}

_checking = threading.Lock()
_last: dict[str, str] | None = None
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None


def _run_check(check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _check_all() -> dict[str, str]:
    global _executor, _executor_pid
    if _executor is None or _executor_pid != os.getpid():
        _executor = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
        _executor_pid = os.getpid()
    futures = {name: _executor.submit(_run_check, check) for name, check in CHECKS.items()}
    # Each check bounds itself; this bound also covers a connect that takes libpq's 2 s.
    deadline = time.monotonic() + 3 * CHECK_SECONDS
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            results[name] = "unavailable: timeout"
    return results


def readiness() -> dict[str, str]:
    """Each dependency's state. While another thread of this process is checking, the last
    result (at most a check's bound old), so that probes never pile up behind a hung server."""
    global _last
    last = _last
    if not (_checking.acquire(blocking=False) if last else _checking.acquire(timeout=5)):
        return last if last else {"checks": "unavailable: busy"}
    try:
        _last = _check_all()
        return _last
    finally:
        _checking.release()


@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    results = readiness()
    ready = all(value == "ok" for value in results.values())
    return HttpResponse(
        json.dumps(results, indent=1) + "\n",
        status=200 if ready else 503,
        content_type="application/json",
    )


VIEWS = {PATH: healthz, READY_PATH: readyz}


class HealthCheckMiddleware:
    """For requests that reach Django; the web server answers these paths before Django."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = VIEWS.get(request.path_info)
        return view(request) if view else self.get_response(request)
