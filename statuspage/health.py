"""Liveness and readiness for load balancers and container health checks.

`/healthz` answers from the web process alone: no database, no cache, no session, so a
PostgreSQL outage (when the public pages still serve their last snapshot) does not mark the web
unhealthy. `/readyz` says whether the dependencies are reachable (PostgreSQL, Redis when
configured, the snapshot directory): 200 when all are, 503 naming the ones that are not. Use it
for monitoring and deploys, not to take web processes out of a load balancer: they keep serving
snapshots while PostgreSQL is down.

The middleware answers before any other, so the check also works when the prober's Host
header is not in ALLOWED_HOSTS (load balancers often probe by IP address) and is never
redirected to https.
"""

import json
import os
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PATH = "/healthz"
READY_PATH = "/readyz"


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, retry_on_timeout=False
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


CHECKS = {"database": _check_database, "redis": _check_redis, "snapshots": _check_snapshots}


@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"unavailable: {type(exc).__name__}"
    ready = all(value == "ok" for value in results.values())
    return HttpResponse(
        json.dumps(results, indent=1) + "\n",
        status=200 if ready else 503,
        content_type="application/json",
    )


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH:
            return healthz(request)
        if request.path_info == READY_PATH:
            return readyz(request)
        return self.get_response(request)
