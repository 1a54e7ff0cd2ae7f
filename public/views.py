"""The public status site, served from the snapshot store (snapshots/serving.py).

Each view names the document its URL shows; the document itself is a pure function of the
page's data and "now" (snapshots/documents.py over public/rendering.py), rendered without the
request: no user, session, CSRF token or messages are touched, no cookie is set and nothing
varies on Cookie, which lets one cached copy serve every visitor. Responses carry a strong
ETag, Last-Modified and cache headers for browsers, proxies and CDNs, and answer conditional
requests with 304.
"""

import zoneinfo
from typing import Any

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from pages.models import Page
from snapshots.serving import serve

from . import rendering


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return serve(request, "/")


@require_safe
def home_fragment(request: HttpRequest) -> HttpResponse:
    return serve(request, "/fragments/home")


@require_safe
def incident(request: HttpRequest, incident_id: str) -> HttpResponse:
    return serve(request, f"/incidents/{incident_id}")


@require_safe
def incident_fragment(request: HttpRequest, incident_id: str) -> HttpResponse:
    return serve(request, f"/incidents/{incident_id}/fragment")


@require_safe
def maintenance(request: HttpRequest, maintenance_id: str) -> HttpResponse:
    return serve(request, f"/maintenance/{maintenance_id}")


@require_safe
def history(request: HttpRequest) -> HttpResponse:
    number = rendering.history_page_number(request.GET.get("page"))
    return serve(request, "/history" if number == 1 else f"/history?page={number}")


@require_safe
def brand_css(request: HttpRequest) -> HttpResponse:
    """The page's brand colour as a CSS variable, so no inline style is ever needed."""
    return serve(request, "/brand.css")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    page: Page | None
    try:
        page = Page.objects.for_host(request.get_host())
    except DatabaseError:
        page = None
    message = ""
    if isinstance(exception, Http404) and exception.args and isinstance(exception.args[0], str):
        message = exception.args[0]
    context: dict[str, Any]
    if page is not None:
        context = rendering.base_context(page, timezone.now())
    else:
        context = {"page": None, "tz": zoneinfo.ZoneInfo("UTC"), "footer_links": []}
    context["message"] = message
    return HttpResponse(render_to_string("404.html", context), status=404)
