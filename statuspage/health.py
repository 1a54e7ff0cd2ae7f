"""Liveness for load balancers and container health checks.

It answers from the web process alone: no database, no cache, no session, so a PostgreSQL
outage (when the public pages still serve their last snapshot) does not mark the web unhealthy.

The middleware answers before any other, so the check also works when the prober's Host
header is not in ALLOWED_HOSTS (load balancers often probe by IP address) and is never
redirected to https.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PATH = "/healthz"


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH:
            return healthz(request)
        return self.get_response(request)
