"""What happens on the example page, written through the services as operators would."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from components.models import Component, ComponentGroup, ComponentStatus, ComponentStatusChange
from hooks.models import AlertMapping, AlertSource
from incidents import services as incident_services
from incidents.models import Incident, IncidentUpdate, Postmortem
from maintenance import services as maintenance_services
from maintenance.models import Maintenance, MaintenanceUpdate
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


def grow_page(
    page: Page,
    count: int,
    *,
    incident: Incident | None = None,
    maintenance: Maintenance | None = None,
) -> tuple[Incident, Maintenance]:
    """Add `count` of everything at once, in bulk: groups, components (some in partial outage or
    degraded, some shown only when degraded) with their status history, incidents (a few still
    open, some with a postmortem) whose updates name their components, and maintenance past,
    under way and to come. `incident` and `maintenance` get more updates and components too.
    Returns an incident and an upcoming maintenance to look at."""
    now = timezone.now()
    groups = ComponentGroup.objects.bulk_create(
        ComponentGroup(page=page, name=f"Group {n}", position=n) for n in range(count // 10 + 1)
    )
    components = Component.objects.bulk_create(
        Component(
            page=page,
            name=f"Component {n}",
            group=groups[n % len(groups)] if n % 3 else None,
            position=n,
            status=(
                "partial_outage"
                if n % 14 == 0
                else "degraded_performance"
                if n % 7 == 0
                else "operational"
            ),
            start_date=date(2026, 1, 1),
            only_show_if_degraded=n % 11 == 0,
        )
        for n in range(count)
    )
    add_status_history(components, now)
    incidents = Incident.objects.bulk_create(
        Incident(
            page=page,
            name=f"Incident {n}",
            status="identified" if n % 25 == 0 else "resolved",
            impact="minor",
            started_at=now - timedelta(hours=n % (13 * 24) + 1),
            resolved_at=None if n % 25 == 0 else now - timedelta(minutes=30),
        )
        for n in range(count)
    )
    targets = [*incidents, *([incident] if incident else [])]
    IncidentUpdate.objects.bulk_create(
        IncidentUpdate(
            incident=target,
            status=status,
            body=f"**Update** {n} & more",
            display_at=now - timedelta(minutes=n + minutes),
            affected_components=[
                {
                    "code": components[n % count].pk,
                    "name": components[n % count].name,
                    "old_status": "operational",
                    "new_status": "partial_outage",
                }
            ],
        )
        for n, target in enumerate(targets)
        for status, minutes in (("investigating", 10), ("identified", 5))
    )
    Incident.components.through.objects.bulk_create(
        (
            Incident.components.through(incident_id=target.pk, component_id=component.pk)
            for n, target in enumerate(targets)
            for component in (components[n % count], components[(n + 1) % count])
        ),
        ignore_conflicts=True,
    )
    Postmortem.objects.bulk_create(
        Postmortem(incident=target, body="Root cause.", published_at=now)
        for target in incidents[1::5]
    )

    def window(n: int) -> tuple[str, datetime]:
        """Past, to come and under way, in turn: the status and the start."""
        if n % 3 == 0:
            return "completed", now - timedelta(days=n % 12 + 1)
        if n % 3 == 1:
            return "scheduled", now + timedelta(days=n % 10 + 1)
        return "in_progress", now - timedelta(hours=1)

    maintenances = Maintenance.objects.bulk_create(
        Maintenance(
            page=page,
            name=f"Maintenance {n}",
            status=status,
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
        )
        for n, (status, start) in ((n, window(n)) for n in range(count))
    )
    m_targets = [*maintenances, *([maintenance] if maintenance else [])]
    MaintenanceUpdate.objects.bulk_create(
        MaintenanceUpdate(maintenance=m, status=m.status, body="Planned.", display_at=now)
        for m in m_targets
    )
    Maintenance.components.through.objects.bulk_create(
        Maintenance.components.through(maintenance_id=m.pk, component_id=components[n].pk)
        for n, m in enumerate(m_targets[:count])
    )
    return incidents[0], maintenances[1]
