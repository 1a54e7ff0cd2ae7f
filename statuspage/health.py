"""Liveness for load balancers and container health checks.

It answers from the web process alone: no database, no cache, no session, so a PostgreSQL
outage (when the public pages still serve their last snapshot) does not mark the web unhealthy.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
