"""Thin views over the public documents: the API v2, the feeds, the calendar, badge and embed.

Each renders a pure function of the page's data without the request's user, session or
cookies, so every visitor (and every CDN) gets the same bytes. The API answers cross-origin
requests from any site, since status widgets fetch it from other origins.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from maintenance.models import Maintenance
from pages.lookup import page_for
from public import rendering

from . import badge as badges
from .documents import DOCUMENTS, JSON_TYPE, Document

View = Callable[..., HttpResponse]


def public(max_age: int) -> Callable[[View], View]:
    """GET/HEAD only, and cacheable for a while by browsers, proxies and CDNs (the policy of
    the public pages)."""

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


# Clients poll every 30 s to 20 min; a few seconds of caching spares the database.
API = public(max_age=30)
FEED = public(max_age=60)
CALENDAR = public(max_age=300)
EMBED = public(max_age=30)

ALLOWED_METHODS = "GET, HEAD, OPTIONS"


def cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def json_error(status: int, message: str) -> HttpResponse:
    body = json.dumps({"error": message}).encode()
    return cors(HttpResponse(body, status=status, content_type=JSON_TYPE))


def preflight() -> HttpResponse:
    response = cors(HttpResponse(status=204))
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    response["Allow"] = ALLOWED_METHODS
    return response


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET and HEAD through the public cache policy; OPTIONS answers a CORS preflight; every
    response, errors included, allows any origin."""
    cached = API(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            return preflight()
        if request.method not in ("GET", "HEAD"):
            response = json_error(405, "The status API is read-only: use GET.")
            response["Allow"] = ALLOWED_METHODS
            return response
        try:
            return cors(cached(request, *args, **kwargs))
        except Http404 as error:
            return json_error(404, str(error) or "Not found.")

    return wrapper


def document_view(path: str) -> Callable[..., HttpResponse]:
    """The view serving DOCUMENTS[path] for the request's page."""
    document: Document = DOCUMENTS[path]

    def view(request: HttpRequest) -> HttpResponse:
        body = document.render(page_for(request), timezone.now())
        return HttpResponse(body, content_type=document.content_type)

    view.__name__ = view.__qualname__ = "serve_" + path.replace("/", "_").replace(".", "_")
    return view


@api_view
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise Http404(f"There is no /api/v2/{rest}. See the list of documents in docs/api.md.")


def feed_view(path: str) -> Callable[..., HttpResponse]:
    return FEED(document_view(path))


@CALENDAR
def calendar(request: HttpRequest) -> HttpResponse:
    response = document_view("maintenance.ics")(request)
    response["Content-Disposition"] = 'inline; filename="maintenance.ics"'
    return response


@EMBED
def badge(request: HttpRequest) -> HttpResponse:
    component_id = request.GET.get("component", "").strip()
    try:
        body = badges.render_badge(page_for(request), timezone.now(), component_id or None)
    except badges.UnknownComponent:
        body, status = badges.not_found_badge(component_id), 404
    else:
        status = 200
    return cors(HttpResponse(body, status=status, content_type=badges.SVG_TYPE))


# Other sites frame the widget: only this view lifts the ban on framing.
EMBED_CSP: dict[str, list[str]] = {
    "default-src": [str(CSP.NONE)],
    "style-src": [str(CSP.SELF)],
    "img-src": [str(CSP.SELF)],
    "base-uri": [str(CSP.NONE)],
    "form-action": [str(CSP.NONE)],
    "frame-ancestors": ["*"],
}


@xframe_options_exempt
@csp_override(EMBED_CSP)
@EMBED
def embed(request: HttpRequest) -> HttpResponse:
    body = DOCUMENTS["embed"].render(page_for(request), timezone.now())
    return HttpResponse(body, content_type=DOCUMENTS["embed"].content_type)


@EMBED
def embed_script(request: HttpRequest) -> HttpResponse:
    body = render_to_string("api/embed.js")
    return cors(HttpResponse(body, content_type="text/javascript; charset=utf-8"))


def incident_or_maintenance(request: HttpRequest, incident_id: str) -> HttpResponse:
    """`/incidents/<id>`: the incident page, or for a maintenance id (the API's shortlinks and
    the feeds' links use this one form) a permanent redirect to the maintenance page."""
    not_found: HttpResponse | None = None
    try:
        match = resolve(request.path_info, urlconf="public.urls")
        response = match.func(request, *match.args, **match.kwargs)
    except (Resolver404, Http404):
        pass
    else:
        if response.status_code != 404:
            return response
        not_found = response
    if request.method in ("GET", "HEAD") and rendering.PUBLIC_ID.match(incident_id):
        maintenance = Maintenance.objects.filter(page=page_for(request), pk=incident_id).first()
        if maintenance is not None:
            return HttpResponsePermanentRedirect(maintenance.get_absolute_url())
    if not_found is not None:
        return not_found
    raise Http404("No incident with this id on this page.")
