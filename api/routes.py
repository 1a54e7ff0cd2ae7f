"""The API's and feeds' URLs in the snapshot store's table of public documents (registered in
api/apps.py): every one of them is rendered again by each event of its page.

None of them ages but the calendar (snapshots/documents.py, `ages`): the JSON documents, the
feeds, the badges and the embed show stored statuses and timestamps only, and a maintenance's
status changes (by an operator or the scheduler) with an outbox event. The calendar keeps the
windows that ended in the last 30 days, a window counted from "now"."""

from collections.abc import Callable
from datetime import datetime

from django.http import Http404

from pages.models import Page
from snapshots.documents import Document, Render, Route, View
from statuspage.ids import is_public_id

from . import views
from .badge import SVG_TYPE, UnknownComponent, render_badge
from .calendar import CALENDAR_TYPE, render_calendar
from .documents import (
    JSON_TYPE,
    render_active_maintenances,
    render_components,
    render_incidents,
    render_maintenances,
    render_status,
    render_summary,
    render_unresolved_incidents,
    render_upcoming_maintenances,
)
from .embed import EMBED_TYPE, render_embed
from .feeds import ATOM_TYPE, RSS_TYPE, render_atom, render_rss


def render_component_badge(component_id: str) -> Render:
    """A component's (or group's) badge, stored like the page's so that it is served while
    PostgreSQL is down. Stored when first asked for; re-rendered when stale like the others."""

    def render(page: Page, now: datetime) -> bytes:
        try:
            return render_badge(page, now, component_id)
        except UnknownComponent:
            raise Http404("No such component.") from None

    return render


def badge(component: str | None) -> Document | None:
    if component is None:
        return Document(render_badge, SVG_TYPE)
    if not is_public_id(component):
        return None
    return Document(render_component_badge(component), SVG_TYPE)


def _strip(raw: str | None) -> str | None:
    return (raw or "").strip() or None


def _api(path: str, render: Render, *, early: bool = False) -> Route:
    name = path.removeprefix("api/v2/")
    return Route(
        path,
        name,
        _fixed(render, JSON_TYPE),
        eager=True,
        early=early,
        view=views.api_view,
        machine=True,
        ages=False,
    )


def _feed(path: str, render: Render, content_type: str) -> Route:
    """An incident history feed, stored early in a publish round like the polled documents."""
    return Route(
        path,
        path.replace(".", "_"),
        _fixed(render, content_type),
        eager=True,
        early=True,
        machine=True,
        ages=False,
    )


def _fixed(render: Render, content_type: str) -> Callable[[], Document]:
    document = Document(render, content_type)
    return lambda: document


def _adjusted(
    path: str,
    name: str,
    render: Render,
    content_type: str,
    view: Callable[[View], View],
    *,
    ages: bool,
) -> Route:
    """A document whose view adjusts the stored answer, so the lane leaves it to Django."""
    return Route(
        path,
        name,
        _fixed(render, content_type),
        eager=True,
        lane=False,
        view=view,
        machine=True,
        ages=ages,
    )


ROUTES = [
    # What status widgets and monitors poll goes early in a publish round, with the feeds.
    _api("api/v2/summary.json", render_summary, early=True),
    _api("api/v2/status.json", render_status, early=True),
    _api("api/v2/components.json", render_components),
    _api("api/v2/incidents.json", render_incidents),
    _api("api/v2/incidents/unresolved.json", render_unresolved_incidents),
    _api("api/v2/scheduled-maintenances.json", render_maintenances),
    _api("api/v2/scheduled-maintenances/upcoming.json", render_upcoming_maintenances),
    _api("api/v2/scheduled-maintenances/active.json", render_active_maintenances),
    _feed("history.atom", render_atom, ATOM_TYPE),
    _feed("history.rss", render_rss, RSS_TYPE),
    _adjusted(
        "maintenance.ics", "calendar", render_calendar, CALENDAR_TYPE, views.calendar, ages=True
    ),
    # The page's badge, or with `?component=<id>` a component's; its view answers unknown ones.
    Route(
        "badge.svg",
        "badge",
        badge,
        query="component",
        variant=_strip,
        eager=True,
        lane=False,
        view=views.badge,
        machine=True,
        ages=False,
    ),
    _adjusted("embed", "embed", render_embed, EMBED_TYPE, views.embed, ages=False),
]
