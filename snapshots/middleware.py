"""The read path's fast lane: stored documents served before sessions, CSRF and auth run.

Public documents never use a session, a user, a CSRF token or messages, so answering them
before that middleware runs changes nothing visible except speed (bench/read: the status page
at least as fast as a trivial view behind the whole stack). It sits after the security, static
files and Content-Security-Policy middleware, whose headers the responses keep. Anything it
cannot answer from the store (an unknown path, a 404, a document needing the database while
that is down) goes on to the views, which give the usual answers.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict

from . import documents
from .serving import serve

# Served by views that adjust the stored document's response (headers, query parameters).
VIEW_ONLY = {"/maintenance.ics", "/badge.svg", "/embed"}


def document_key(request: HttpRequest) -> str | None:
    return document_key_for(request.path_info, request.META.get("QUERY_STRING", ""))


def document_key_for(path: str, query: str) -> str | None:
    """The stored document a path (and query string) names, if any."""
    if path in VIEW_ONLY:
        return None
    if path == "/history":
        number = QueryDict(query).get("page", "1")
        if number == "1":
            return path
        if number.isascii() and number.isdigit() and not number.startswith("0"):
            return f"/history?page={number}"
        return None
    return path if documents.document(path) is not None else None


class SnapshotMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            key = document_key(request)
            if key is not None:
                try:
                    response = serve(request, key)
                except Exception:
                    return self.get_response(request)
                response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
                return response
        return self.get_response(request)
