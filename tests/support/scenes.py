"""What happens on the example page, written through the services as operators would."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from components.models import Component, ComponentStatus, ComponentStatusChange
from hooks.models import AlertMapping, AlertSource
from incidents import services as incident_services
from incidents.models import Incident, IncidentUpdate
from maintenance import services as maintenance_services
from maintenance.models import Maintenance
from pages.models import Page


def add_status_changes(
    changes: Iterable[tuple[Component, str, str, datetime]], *, batch_size: int | None = None
) -> None:
    """Status changes set by hand, each (component, old status, new status, when), written in
    bulk: the history the uptime bars and the component pages read."""
    ComponentStatusChange.objects.bulk_create(
        [
            ComponentStatusChange(
                component=component, old_status=old, new_status=new, changed_at=at, cause="manual"
            )
            for component, old, new, at in changes
        ],
        batch_size=batch_size,
    )


def add_status_history(
    components: Iterable[Component], now: datetime, *, batch_size: int | None = None
) -> None:
    """An hour of partial outage for each component, on days spread over the 90-day window,
    written in bulk: the uptime bars' data for a page grown large at once."""
    add_status_changes(
        (
            (component, old, new, now - timedelta(days=n % 80 + 1, hours=hours))
            for n, component in enumerate(components)
            for old, new, hours in (
                ("operational", "partial_outage", 2),
                ("partial_outage", "operational", 1),
            )
        ),
        batch_size=batch_size,
    )


def open_api_incident(
    page: Page, api: Component, *, api_status: str = ComponentStatus.PARTIAL_OUTAGE, **fields: Any
) -> Incident:
    """Elevated API errors, the API in partial outage (or `api_status`); `fields` change or add
    to that."""
    defaults: dict[str, Any] = {
        "page": page,
        "name": "Elevated API errors",
        "body": "We are investigating **errors** on the API.",
        "component_statuses": {api: api_status},
        "actor": "tests",
    }
    return incident_services.open_incident(**defaults | fields)


def post_identified(incident: Incident, body: str, **fields: Any) -> IncidentUpdate:
    """The cause found: an "identified" update to `incident` saying `body`; `fields` change or
    add to that."""
    defaults: dict[str, Any] = {
        "incident": incident,
        "status": "identified",
        "body": body,
        "actor": "tests",
    }
    return incident_services.post_incident_update(**defaults | fields)


def past_incident(page: Page, name: str, started_at: datetime, **fields: Any) -> Incident:
    """An incident typed in afterwards: resolved from the start, backfilled, telling nobody."""
    defaults: dict[str, Any] = {
        "page": page,
        "name": name,
        "body": "Happened.",
        "status": "resolved",
        "started_at": started_at,
        "backfilled": True,
        "actor": "tests",
    }
    return incident_services.open_incident(**defaults | fields)


def schedule_upgrade(
    page: Page, start: datetime, *, hours: float = 2, **fields: Any
) -> Maintenance:
    """A database upgrade from `start`, `hours` long; `fields` change or add to that."""
    defaults: dict[str, Any] = {
        "page": page,
        "name": "Database upgrade",
        "scheduled_for": start,
        "scheduled_until": start + timedelta(hours=hours),
        "body": "We are upgrading the database.",
        "actor": "tests",
    }
    return maintenance_services.schedule_maintenance(**defaults | fields)


def map_api_down(
    page: Page, api: Component, matchers: dict[str, str], **fields: Any
) -> AlertMapping:
    """Alertmanager's alerts matching `matchers` put the API in major outage while they fire."""
    return AlertMapping.objects.create(
        **{
            "page": page,
            "name": "API down",
            "source": AlertSource.ALERTMANAGER,
            "matchers": matchers,
            "component": api,
            "firing_status": ComponentStatus.MAJOR_OUTAGE,
        }
        | fields
    )


def refresh(*rows: Any) -> None:
    """Read each row again from the database, after a request or a task changed it."""
    for row in rows:
        row.refresh_from_db()
