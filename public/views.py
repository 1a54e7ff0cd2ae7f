"""What the public site's views add to its stored documents, and its 404 page.

Every public page is a stored document (public/documents.py), served by the snapshot lane or
by its one view (snapshots/views.py), rendered without the request: no user, session, CSRF
token or messages are touched, no cookie is set and nothing varies on Cookie, which lets one
cached copy serve every visitor.
"""

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.utils import timezone

from maintenance.models import Maintenance
from pages.lookup import page_for
from pages.models import Page
from statuspage.ids import is_public_id

from . import rendering

View = Callable[..., HttpResponse]


def or_maintenance(view: View) -> View:
    """`/incidents/<id>`: the incident page, or for a maintenance id (the API's shortlinks and
    the feeds' links use this one form) a permanent redirect to the maintenance page."""

    @wraps(view)
    def wrapper(request: HttpRequest, incident_id: str, **kwargs: Any) -> HttpResponse:
        not_found: HttpResponse | None = None
        try:
            response = view(request, incident_id=incident_id, **kwargs)
        except Http404:
            pass
        else:
            if response.status_code != 404:
                return response
            not_found = response
        if request.method in ("GET", "HEAD") and is_public_id(incident_id):
            maintenance = Maintenance.objects.filter(page=page_for(request), pk=incident_id).first()
            if maintenance is not None:
                return HttpResponsePermanentRedirect(maintenance.get_absolute_url())
        if not_found is not None:
            return not_found
        raise Http404("No incident with this id on this page.")

    return wrapper


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
    if page is not None and page.is_restricted:
        page = None  # nothing of a private page on an error page, whoever asks
    if page is not None:
        context = rendering.base_context(page, timezone.now())
    else:
        context = {"page": None, "tz": zoneinfo.ZoneInfo("UTC"), "footer_links": []}
    context["message"] = message
    return HttpResponse(render_to_string("404.html", context), status=404)
