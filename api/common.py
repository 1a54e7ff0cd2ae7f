"""Helpers shared by every public document: the page's last change, links, and (from
`statuspage.timefmt`) the contract's timestamps.

Kept apart from `documents.py` so the feed, calendar and badge modules can use them while
`documents.py` imports those modules for its registry.
"""

from datetime import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from components.models import Component, ComponentGroup
from events.models import EventKind, OutboxEvent
from incidents.models import Incident, IncidentUpdate
from maintenance.models import Maintenance, MaintenanceUpdate
from pages.models import Page
from snapshots.documents import shared
from statuspage.timefmt import timestamp as timestamp  # re-exported for the documents


def page_url(page: Page) -> str:
    return page.url.rstrip("/")


def shortlink(page: Page, public_id: str) -> str:
    """Incidents and maintenance alike: `/incidents/<maintenance id>` redirects to its page."""
    return f"{page_url(page)}/incidents/{public_id}"


# Reminders change nothing a reader sees.
_INVISIBLE_EVENTS = (EventKind.MAINTENANCE_REMINDER,)


def _latest(queryset: QuerySet, column: str = "updated_at") -> Subquery:
    return Subquery(queryset.order_by(f"-{column}").values(column)[:1])


def page_updated_at(page: Page) -> datetime:
    """The latest change to anything on the page, in one query.

    Deletions leave no row behind but do leave an outbox event, which is why events count.
    Every term falls back to the page's own `updated_at`: SQLite's MAX() of a NULL is NULL.
    """
    here = OuterRef("pk")
    terms = [
        _latest(Component.objects.filter(page=here)),
        _latest(ComponentGroup.objects.filter(page=here)),
        _latest(Incident.objects.filter(page=here)),
        _latest(IncidentUpdate.objects.filter(incident__page=here)),
        _latest(Maintenance.objects.filter(page=here)),
        _latest(MaintenanceUpdate.objects.filter(maintenance__page=here)),
        _latest(
            OutboxEvent.objects.filter(page=here).exclude(kind__in=_INVISIBLE_EVENTS), "created_at"
        ),
    ]
    latest = Greatest(F("updated_at"), *(Coalesce(term, F("updated_at")) for term in terms))
    value = (
        Page.objects.filter(pk=page.pk).annotate(latest=latest).values_list("latest", flat=True)
    ).first()
    return value or page.updated_at


def round_updated_at(page: Page, now: datetime) -> datetime:
    """`page_updated_at`, looked up once for all the documents of a publish round (every API
    document and feed shows it; snapshots.documents.shared)."""
    return shared("updated_at", page, now, lambda: page_updated_at(page))
