"""A clear 503, rather than a 500 or a hang, when the database cannot be reached.

Connections time out after DB_CONNECT_TIMEOUT seconds and queries after DB_QUERY_TIMEOUT
(statuspage/db/base.py), so an admin request made while PostgreSQL is down or hung ends in
seconds with this page. Every write is one transaction, so a request that failed half-way saved
nothing; the one exception, a COMMIT the server never confirmed, is said as such. Public pages
rarely get here: they serve their stored snapshot (snapshots/serving.py) and only need the
database for a document never rendered.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from .db.bounds import commit_outcome_unknown

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10


def database_unavailable(*, unconfirmed: bool = False) -> HttpResponse:
    """The 503 page; `unconfirmed` when a COMMIT went unanswered and the outcome is unknown."""
    response = HttpResponse(render_to_string("503.html", {"unconfirmed": unconfirmed}), status=503)
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
            return database_unavailable(unconfirmed=commit_outcome_unknown(exception))
        return None


class NotModifiedMiddleware:
    """Takes back the `Content-Length: 0` CommonMiddleware gives a 304 (placed around it).

    A 304 has no body, and a Content-Length it carries must be the full document's (RFC 9110
    8.6): a cache that updates its stored headers from the 304 would otherwise record 0. The
    snapshot lane's 304s carry none either, so both answer alike.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 304 and response.get("Content-Length") == "0":
            del response["Content-Length"]
        return response
