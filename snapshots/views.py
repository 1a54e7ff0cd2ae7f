"""The one Django view of the read path: every URL of the document table (snapshots/documents.py)
that the lane in front of Django did not answer.

That is a document the store does not hold yet (rendered now, once), a request the lane leaves
to Django (other methods, If-Match, tests' synchronous mode, a route whose view adjusts the
answer) and a path naming nothing (404). The route's own wrapper (`Route.view`) adds what its
URL needs: CORS for the API, a download name for the calendar, ...

Around all of it, the page's visibility (pages/viewers.py): a private or network-limited page's
documents go only to those who may see them, for their browser alone, as the lane decides.
"""

from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from pages import viewers

from .documents import Route, View, routes_of
from .serving import access_for, serve


@require_safe
def document_view(request: HttpRequest, *, route: Route, **captured: Any) -> HttpResponse:
    return serve(request, route.key(request.path_info, request.GET))


def next_path(route: Route, path_info: str, query: str) -> str:
    """Where a viewer signing in is sent back to: the page a live fragment belongs to, else the
    URL asked for (without a feed token)."""
    if path_info == "/fragments/home":
        return "/"
    path_info = path_info.removesuffix("/fragment")
    query = "&".join(
        part
        for part in query.split("&")
        if part and not part.startswith(viewers.TOKEN_PARAMETER + "=")
    )
    return f"{path_info}?{query}" if query else path_info


def refused(request: HttpRequest, route: Route, why: Any) -> HttpResponse:
    status, headers, body = viewers.refusal(
        why,
        next_path(route, request.path_info, request.META.get("QUERY_STRING", "")),
        machine=route.machine,
    )
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response


def gated(route: Route, view: View) -> View:
    """Only who may see the page reads its documents; their answers are private."""

    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, **kwargs)  # 405s and preflights hold nothing of the page
        access = access_for(request)
        if access is None:
            return view(request, **kwargs)
        why = viewers.verdict(
            access,
            address=viewers.client_ip(request.META),
            cookie=viewers.cookie_from(request.META),
            token=viewers.token_from(request.META, request.GET) if route.machine else None,
        )
        if why is not None:
            return refused(request, route, why)
        request._beacon_private = True  # type: ignore[attr-defined]
        response = view(request, **kwargs)
        response["Cache-Control"] = viewers.PRIVATE_CACHE_CONTROL
        patch_vary_headers(response, viewers.PRIVATE_VARY)
        return response

    return wrapper


def urlpatterns(app: str) -> list[URLPattern]:
    """The URL conf's entries for the routes one renderer registered: this view, wrapped by
    what the route adds, behind the page's visibility."""
    return [
        path(
            route.route,
            gated(route, route.view(document_view) if route.view is not None else document_view),
            {"route": route},
            name=route.name,
        )
        for route in routes_of(app)
    ]
