"""The public status site. Each view renders a pure function of the page's data and "now".

Templates are rendered without the request, so no context processor runs: no user, session,
CSRF token or messages are touched, no cookie is set and nothing varies on Cookie, which lets
one cached copy serve every visitor.
"""

import re
import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from pages.lookup import page_for
from pages.models import Page

from . import rendering

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#1f6feb"

View = Callable[..., HttpResponse]


def public(max_age: int) -> Callable[[View], View]:
    """GET/HEAD only, and cacheable for a few seconds by browsers, proxies and CDNs."""

    def decorator(view: View) -> View:
        @require_safe
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            patch_cache_control(
                response,
                public=True,
                max_age=max_age,
                s_maxage=5,
                stale_while_revalidate=30,
                stale_if_error=86400,
            )
            return response

        return wrapper

    return decorator


# Fragments are polled every 10 s: a browser-cached copy would only delay the news.
PAGE = public(max_age=10)
FRAGMENT = public(max_age=0)


def _html(template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(render_to_string(template, context), status=status)


@PAGE
def home(request: HttpRequest) -> HttpResponse:
    context = rendering.home_context(page_for(request), timezone.now())
    return _html("public/home.html", context)


@FRAGMENT
def home_fragment(request: HttpRequest) -> HttpResponse:
    context = rendering.home_context(page_for(request), timezone.now())
    return _html("public/home.html#live", context)


@PAGE
def incident(request: HttpRequest, incident_id: str) -> HttpResponse:
    context = rendering.incident_context(page_for(request), incident_id, timezone.now())
    return _html("public/incident.html", context)


@FRAGMENT
def incident_fragment(request: HttpRequest, incident_id: str) -> HttpResponse:
    context = rendering.incident_context(page_for(request), incident_id, timezone.now())
    return _html("public/incident.html#live", context)


@PAGE
def maintenance(request: HttpRequest, maintenance_id: str) -> HttpResponse:
    context = rendering.maintenance_context(page_for(request), maintenance_id, timezone.now())
    return _html("public/maintenance.html", context)


@PAGE
def history(request: HttpRequest) -> HttpResponse:
    number = rendering.history_page_number(request.GET.get("page"))
    context = rendering.history_context(page_for(request), number, timezone.now())
    return _html("public/history.html", context)


@PAGE
def brand_css(request: HttpRequest) -> HttpResponse:
    """The page's brand colour as a CSS variable, so no inline style is ever needed."""
    colour = page_for(request).brand_colour
    if not HEX_COLOUR.match(colour or ""):
        colour = DEFAULT_BRAND
    return HttpResponse(f":root{{--brand:{colour.lower()}}}\n", content_type="text/css")


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
    return _html("404.html", context, status=404)
