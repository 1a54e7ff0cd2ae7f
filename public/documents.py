"""The public site's documents, and the URLs that show them (registered in public/apps.py).

Each renderer is a pure function of a page's data and "now" over public/rendering.py, so the
snapshot publisher renders them ahead of any request and the lane serves the stored bytes.
"""

import re
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string

from pages.models import Page
from snapshots.documents import Document, Render, Route, shared
from statuspage.ids import is_public_id

from . import rendering
from .views import or_maintenance

HTML = "text/html; charset=utf-8"
CSS = "text/css; charset=utf-8"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#1f6feb"
# The history pages a snapshot may hold: six digits' worth.
LAST_HISTORY_PAGE = 999_999


def _html(template: str, context: dict[str, Any]) -> bytes:
    return rendering.splice(render_to_string(template, context), context)


def _home_context(page: Page, now: datetime) -> dict[str, Any]:
    # The page and its fragment, rendered one after the other by a publish round, share it.
    return shared("home", page, now, lambda: rendering.home_context(page, now))


def render_home(page: Page, now: datetime) -> bytes:
    return _html("public/home.html", _home_context(page, now))


def render_home_fragment(page: Page, now: datetime) -> bytes:
    return _html("public/home.html#live", _home_context(page, now))


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
        # The incident's page and its fragment, rendered one after the other, share it too.
        context = shared(
            f"incident {incident_id}",
            page,
            now,
            lambda: rendering.incident_context(page, incident_id, now),
        )
        return _html(template, context)

    return render


def render_maintenance(maintenance_id: str) -> Render:
    def render(page: Page, now: datetime) -> bytes:
        context = rendering.maintenance_context(page, maintenance_id, now)
        return _html("public/maintenance.html", context)

    return render


def render_component(component_id: str, period: str | None) -> Render:
    def render(page: Page, now: datetime) -> bytes:
        context = rendering.component_context(page, component_id, period, now)
        return _html("public/component.html", context)

    return render


def component(component_id: str, period: str | None = None) -> Document | None:
    if not is_public_id(component_id):
        return None
    return Document(render_component(component_id, period), HTML)


def incident(incident_id: str) -> Document | None:
    if not is_public_id(incident_id):
        return None
    return Document(render_incident(incident_id, "public/incident.html"), HTML)


def incident_fragment(incident_id: str) -> Document | None:
    if not is_public_id(incident_id):
        return None
    return Document(render_incident(incident_id, "public/incident.html#live"), HTML, fragment=True)


def maintenance(maintenance_id: str) -> Document | None:
    if not is_public_id(maintenance_id):
        return None
    return Document(render_maintenance(maintenance_id), HTML)


def history_variant(raw: str | None) -> str | None:
    """`?page=`: None for the first page (the plain `/history`)."""
    number = rendering.history_page_number(raw)
    return None if number == 1 else str(number)


def history(page: str | None) -> Document | None:
    number = 1 if page is None else int(page)
    if number > LAST_HISTORY_PAGE:
        return None
    return Document(render_history(number), HTML)


# In the order Django matches them; the eager ones in the order the publisher renders them.
# Every page here but brand.css ages: "ongoing for", "last updated", the uptime bars and the
# days of the home page, the months of the history, the charts of the checks' results.
ROUTES = [
    Route("", "home", lambda: Document(render_home, HTML), eager=True, early=True),
    Route(
        "fragments/home",
        "home_fragment",
        lambda: Document(render_home_fragment, HTML, fragment=True),
        eager=True,
        early=True,
        machine=True,
    ),
    # Shortlinks of maintenance use this form too: the view redirects them.
    Route(
        "incidents/<str:incident_id>",
        "incident",
        incident,
        subject="incident",
        view=or_maintenance,
    ),
    Route(
        "incidents/<str:incident_id>/fragment",
        "incident_fragment",
        incident_fragment,
        subject="incident",
        machine=True,
    ),
    Route("maintenance/<str:maintenance_id>", "maintenance", maintenance, subject="maintenance"),
    # Its charts age with each check: the clock, not an event per check, renders it again.
    Route(
        "components/<str:component_id>",
        "component",
        component,
        subject="component",
        query="period",
        variant=rendering.period_name,
    ),
    Route("history", "history", history, query="page", variant=history_variant, eager=True),
    Route(
        "brand.css",
        "brand_css",
        lambda: Document(render_brand_css, CSS),
        eager=True,
        machine=True,
        ages=False,
    ),
]
