"""Every document the public reads, by path: the public pages, plus what the API registers.

A document is a pure function of a page's data and "now" (`render(page, now) -> bytes`), so
the publisher can render it ahead of any request and the views can serve the stored bytes.
Renderers raise Http404 when what the path names does not exist.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.http import Http404
from django.template.loader import render_to_string

from pages.models import Page
from public import rendering
from statuspage.ids import ID_PATTERN as PUBLIC_ID

HTML = "text/html; charset=utf-8"
CSS = "text/css; charset=utf-8"
SVG = "image/svg+xml; charset=utf-8"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#1f6feb"

Render = Callable[[Page, datetime], bytes]


@dataclass(frozen=True)
class Document:
    render: Render
    content_type: str
    # Fragments are polled by the open page; a browser-cached copy would only delay the news.
    fragment: bool = False


def _html(template: str, context: dict[str, Any]) -> bytes:
    return render_to_string(template, context).encode()


def render_home(page: Page, now: datetime) -> bytes:
    return _html("public/home.html", rendering.home_context(page, now))


def render_home_fragment(page: Page, now: datetime) -> bytes:
    return _html("public/home.html#live", rendering.home_context(page, now))


def render_history(number: int) -> Render:
    def render(page: Page, now: datetime) -> bytes:
        return _html("public/history.html", rendering.history_context(page, number, now))

    return render


def render_brand_css(page: Page, now: datetime) -> bytes:
    """The page's brand colour as a CSS variable, so no inline style is ever needed."""
    colour = page.brand_colour if HEX_COLOUR.match(page.brand_colour or "") else DEFAULT_BRAND
    return f":root{{--brand:{colour.lower()}}}\n".encode()


def render_incident(incident_id: str, template: str) -> Render:
    def render(page: Page, now: datetime) -> bytes:
        return _html(template, rendering.incident_context(page, incident_id, now))

    return render


def render_maintenance(maintenance_id: str) -> Render:
    def render(page: Page, now: datetime) -> bytes:
        context = rendering.maintenance_context(page, maintenance_id, now)
        return _html("public/maintenance.html", context)

    return render


def render_component_badge(component_id: str) -> Render:
    """A component's (or group's) badge, stored like the page's so that it is served while
    PostgreSQL is down. Stored when first asked for; re-rendered when stale like the others."""

    def render(page: Page, now: datetime) -> bytes:
        from api.badge import UnknownComponent, render_badge

        try:
            return render_badge(page, now, component_id)
        except UnknownComponent:
            raise Http404("No such component.") from None

    return render


# Documents every event may change: rendered by the publisher as soon as an event arrives.
PAGE_DOCUMENTS: dict[str, Document] = {
    "/": Document(render_home, HTML),
    "/fragments/home": Document(render_home_fragment, HTML, fragment=True),
    "/history": Document(render_history(1), HTML),
    "/brand.css": Document(render_brand_css, CSS),
}

PATTERNS: list[tuple[re.Pattern[str], Callable[..., Document]]] = [
    (
        re.compile(rf"^/incidents/(?P<id>{PUBLIC_ID})$"),
        lambda id: Document(render_incident(id, "public/incident.html"), HTML),
    ),
    (
        re.compile(rf"^/incidents/(?P<id>{PUBLIC_ID})/fragment$"),
        lambda id: Document(render_incident(id, "public/incident.html#live"), HTML, fragment=True),
    ),
    (
        re.compile(rf"^/maintenance/(?P<id>{PUBLIC_ID})$"),
        lambda id: Document(render_maintenance(id), HTML),
    ),
    (
        re.compile(rf"^/badge\.svg\?component=(?P<id>{PUBLIC_ID})$"),
        lambda id: Document(render_component_badge(id), SVG),
    ),
    (
        re.compile(r"^/history\?page=(?P<number>[1-9][0-9]{0,5})$"),
        lambda number: Document(render_history(int(number)), HTML),
    ),
]


@cache
def api_documents() -> dict[str, Document]:
    """The API's and feeds' documents (`api.documents.DOCUMENTS`), keyed by absolute path."""
    try:
        from api.documents import DOCUMENTS
    except ImportError:
        return {}
    return {
        "/" + path.lstrip("/"): Document(doc.render, doc.content_type)
        for path, doc in DOCUMENTS.items()
    }


def eager_keys() -> list[str]:
    return [*PAGE_DOCUMENTS, *api_documents()]


def subject_keys(subject_type: str, subject_id: str) -> list[str]:
    """The documents about one incident or maintenance, which its events change."""
    if subject_type == "incident":
        return [f"/incidents/{subject_id}", f"/incidents/{subject_id}/fragment"]
    if subject_type == "maintenance":
        return [f"/maintenance/{subject_id}"]
    return []


def document(key: str) -> Document | None:
    found = PAGE_DOCUMENTS.get(key) or api_documents().get(key)
    if found is not None:
        return found
    for pattern, make in PATTERNS:
        match = pattern.match(key)
        if match:
            return make(*match.groups())
    return None
