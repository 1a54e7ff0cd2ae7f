"""The one Django view of the read path: every URL of the document table (snapshots/documents.py)
that the lane in front of Django did not answer.

That is a document the store does not hold yet (rendered now, once), a request the lane leaves
to Django (other methods, If-Match, tests' synchronous mode, a route whose view adjusts the
answer) and a path naming nothing (404). The route's own wrapper (`Route.view`) adds what its
URL needs: CORS for the API, a download name for the calendar, ...
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from .documents import Route, routes_of
from .serving import serve


@require_safe
def document_view(request: HttpRequest, *, route: Route, **captured: Any) -> HttpResponse:
    return serve(request, route.key(request.path_info, request.GET))


def urlpatterns(app: str) -> list[URLPattern]:
    """The URL conf's entries for the routes one renderer registered: this view, wrapped by
    what the route adds."""
    return [
        path(
            route.route,
            route.view(document_view) if route.view is not None else document_view,
            {"route": route},
            name=route.name,
        )
        for route in routes_of(app)
    ]
