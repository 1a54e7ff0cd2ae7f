"""Every public view runs the same number of queries with 10 or 500 of everything."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from components.models import Component, ComponentGroup
from incidents.models import Incident, IncidentUpdate, Postmortem
from maintenance.models import Maintenance, MaintenanceUpdate
from snapshots import store
from tests.support.scenes import add_status_history


def grow(page, count, *, incident=None, maintenance=None):
    """Add `count` groups' worth of components, history, incidents and maintenance at once."""
    now = timezone.now()
    groups = ComponentGroup.objects.bulk_create(
        [ComponentGroup(page=page, name=f"Group {n}", position=n) for n in range(count // 10 + 1)]
    )
    components = Component.objects.bulk_create(
        [
            Component(
                page=page,
                name=f"Component {n}",
                group=groups[n % len(groups)] if n % 3 else None,
                position=n,
                status="degraded_performance" if n % 7 == 0 else "operational",
                start_date=date(2026, 1, 1),
                only_show_if_degraded=n % 11 == 0,
            )
            for n in range(count)
        ]
    )
    add_status_history(components, now)
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                page=page,
                name=f"Incident {n}",
                status="investigating" if n % 50 == 0 else "resolved",
                impact="minor",
                started_at=now - timedelta(hours=n % (13 * 24) + 1),
                resolved_at=None if n % 50 == 0 else now - timedelta(minutes=30),
            )
            for n in range(count)
        ]
    )
    targets = [*incidents, *([incident] if incident else [])]
    IncidentUpdate.objects.bulk_create(
        [
            IncidentUpdate(
                incident=target,
                status=status,
                body=f"**Update** {n}",
                display_at=now - timedelta(minutes=n + 1),
            )
            for n, target in enumerate(targets)
            for status in ("investigating", "identified")
        ]
    )
    Incident.components.through.objects.bulk_create(
        [
            Incident.components.through(incident_id=target.pk, component_id=component.pk)
            for n, target in enumerate(targets)
            for component in (components[n % count], components[(n + 1) % count])
        ],
        ignore_conflicts=True,
    )
    Postmortem.objects.bulk_create(
        [Postmortem(incident=incidents[1], body="Root cause.", published_at=now)]
    )
    maintenances = Maintenance.objects.bulk_create(
        [
            Maintenance(
                page=page,
                name=f"Maintenance {n}",
                status="scheduled" if n % 2 else "completed",
                scheduled_for=now + timedelta(days=n % 10 + 1)
                if n % 2
                else now - timedelta(days=n % 12 + 1),
                scheduled_until=now + timedelta(days=n % 10 + 1, hours=1)
                if n % 2
                else now - timedelta(days=n % 12 + 1) + timedelta(hours=1),
            )
            for n in range(count)
        ]
    )
    m_targets = [*maintenances, *([maintenance] if maintenance else [])]
    MaintenanceUpdate.objects.bulk_create(
        [
            MaintenanceUpdate(maintenance=m, status=m.status, body="Planned.", display_at=now)
            for m in m_targets
        ]
    )
    Maintenance.components.through.objects.bulk_create(
        [
            Maintenance.components.through(maintenance_id=m.pk, component_id=components[n].pk)
            for n, m in enumerate(m_targets[:count])
        ]
    )
    return incidents[0], maintenances[1]


def count_queries(client, url):
    # bulk_create writes no outbox event, so forget the stored snapshots to measure a render.
    store.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/", "/fragments/home", "incident", "incident-fragment", "maintenance", "/history"],
)
def test_query_count_stays_the_same_with_10_or_500_of_everything(client, page, url):
    incident, maintenance = grow(page, 10)
    url = {
        "incident": f"/incidents/{incident.pk}",
        "incident-fragment": f"/incidents/{incident.pk}/fragment",
        "maintenance": f"/maintenance/{maintenance.pk}",
    }.get(url, url)
    small, small_html = count_queries(client, url)

    grow(page, 490, incident=incident, maintenance=maintenance)
    large, large_html = count_queries(client, url)

    assert len(large_html) > len(small_html)
    assert large == small
