"""A clear 503, rather than a 500 or a hang, when the database cannot be reached.

Connections time out after DB_CONNECT_TIMEOUT seconds, so an admin request made while
PostgreSQL is down ends in seconds with this page. Every write is one transaction, so a request
that failed half-way saved nothing. Public pages rarely get here: they serve their stored
snapshot (snapshots/serving.py) and only need the database for a document never rendered.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10


def database_unavailable() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            logger.warning(
                "database unavailable for %s %s: %s", request.method, request.path, exception
            )
            return database_unavailable()
        return None
