"""What the API's URLs add to their stored documents (api/routes.py), and the few answers that
are not documents: the API's 404, the unknown-component badge and the embed script.

Every document is a pure function of the page's data, rendered without the request's user,
session or cookies, so every visitor (and every CDN) gets the same bytes. The API answers
cross-origin requests from any site, since status widgets fetch it from other origins.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from statuspage.ids import is_public_id

from . import badge as badges
from .documents import JSON_TYPE

View = Callable[..., HttpResponse]


def public(max_age: int) -> Callable[[View], View]:
    """GET/HEAD only, and cacheable for a while by browsers, proxies and CDNs. For the few
    responses not served from the snapshot store, which sets its own cache headers."""

    def decorator(view: View) -> View:
        @require_safe
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            patch_cache_control(
                response,
                public=True,
                max_age=max_age,
                s_maxage=settings.PUBLIC_CACHE_S_MAXAGE,
                stale_while_revalidate=settings.PUBLIC_CACHE_STALE_WHILE_REVALIDATE,
                stale_if_error=settings.PUBLIC_CACHE_STALE_IF_ERROR,
            )
            return response

        return wrapper

    return decorator


BADGE = public(max_age=30)
# The script itself changes only with Beacon.
SCRIPT = public(max_age=3600)
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
    """GET and HEAD as the view answers them; OPTIONS answers a CORS preflight; anything else
    is a 405. Every response, errors included, allows any origin."""
    safe = require_safe(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            return preflight()
        if request.method not in ("GET", "HEAD"):
            response = json_error(405, "The status API is read-only: use GET.")
            response["Allow"] = ALLOWED_METHODS
            return response
        try:
            return cors(safe(request, *args, **kwargs))
        except Http404 as error:
            return json_error(404, str(error) or "Not found.")

    return wrapper


@api_view
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise Http404(f"There is no /api/v2/{rest}. See the list of documents in docs/api.md.")


def calendar(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = view(request, **kwargs)
        response["Content-Disposition"] = 'inline; filename="maintenance.ics"'
        return response

    return wrapper


def badge(view: View) -> View:
    """The page's badge, or a component's (`?component=<id>`), both from the snapshot store, so
    they are served while PostgreSQL is down (a component's once it has been asked for)."""

    @require_safe
    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        component_id = request.GET.get("component", "").strip()
        if not component_id:
            return cors(view(request, **kwargs))
        if not is_public_id(component_id):
            return cors(unknown_component_badge(request, component_id))
        try:
            return cors(view(request, **kwargs))
        except Http404:
            return cors(unknown_component_badge(request, component_id))

    return wrapper


@BADGE
def unknown_component_badge(request: HttpRequest, component_id: str) -> HttpResponse:
    body = badges.not_found_badge(component_id)
    return HttpResponse(body, status=404, content_type=badges.SVG_TYPE)


# Other sites frame the widget: only this view lifts the ban on framing.
EMBED_CSP: dict[str, list[str]] = {
    "default-src": [str(CSP.NONE)],
    "style-src": [str(CSP.SELF)],
    "img-src": [str(CSP.SELF)],
    "base-uri": [str(CSP.NONE)],
    "form-action": [str(CSP.NONE)],
    "frame-ancestors": ["*"],
}


def embed(view: View) -> View:
    return xframe_options_exempt(csp_override(EMBED_CSP)(view))


@SCRIPT
def embed_script(request: HttpRequest) -> HttpResponse:
    body = render_to_string("api/embed.js")
    return cors(HttpResponse(body, content_type="text/javascript; charset=utf-8"))
