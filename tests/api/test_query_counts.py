"""Every public document runs the same number of queries with 10 or 300 of everything."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from components.models import Component, ComponentGroup
from incidents.models import Incident, IncidentUpdate, Postmortem
from maintenance.models import Maintenance, MaintenanceUpdate
from snapshots import store
from tests.support.documents import API_V2_PATHS


def grow(page, count: int) -> None:
    """Add `count` components, incidents and maintenance windows, each with updates."""
    now = timezone.now()
    groups = ComponentGroup.objects.bulk_create(
        ComponentGroup(page=page, name=f"Group {n}", position=n + 1) for n in range(count // 10 + 1)
    )
    components = Component.objects.bulk_create(
        Component(
            page=page,
            name=f"Component {n}",
            group=groups[n % len(groups)] if n % 3 else None,
            position=n + 1,
            status="partial_outage" if n % 7 == 0 else "operational",
            start_date=date(2026, 1, 1),
        )
        for n in range(count)
    )
    incidents = Incident.objects.bulk_create(
        Incident(
            page=page,
            name=f"Incident {n}",
            status="identified" if n % 5 == 0 else "resolved",
            impact="minor",
            started_at=now - timedelta(hours=n + 1),
            resolved_at=None if n % 5 == 0 else now - timedelta(minutes=n),
        )
        for n in range(count)
    )
    IncidentUpdate.objects.bulk_create(
        IncidentUpdate(
            incident=incident,
            status=status,
            body=f"Update {n} & more",
            display_at=now - timedelta(minutes=n + minutes),
            affected_components=[
                {
                    "code": components[n].pk,
                    "name": components[n].name,
                    "old_status": "operational",
                    "new_status": "partial_outage",
                }
            ],
        )
        for n, incident in enumerate(incidents)
        for status, minutes in (("investigating", 10), ("identified", 5))
    )
    Incident.components.through.objects.bulk_create(
        Incident.components.through(incident_id=incident.pk, component_id=components[n].pk)
        for n, incident in enumerate(incidents)
    )
    Postmortem.objects.bulk_create(
        Postmortem(incident=incident, body="Root cause.", published_at=now)
        for incident in incidents[1::5]
    )
    maintenances = Maintenance.objects.bulk_create(
        Maintenance(
            page=page,
            name=f"Maintenance {n}",
            status=("scheduled", "in_progress", "completed")[n % 3],
            scheduled_for=now + timedelta(days=(n % 20) - 10),
            scheduled_until=now + timedelta(days=(n % 20) - 10, hours=2),
        )
        for n in range(count)
    )
    MaintenanceUpdate.objects.bulk_create(
        MaintenanceUpdate(maintenance=m, status=m.status, body="Planned.", display_at=now)
        for m in maintenances
    )
    Maintenance.components.through.objects.bulk_create(
        Maintenance.components.through(maintenance_id=m.pk, component_id=components[n].pk)
        for n, m in enumerate(maintenances)
    )


def count_queries(client, url: str) -> tuple[int, int]:
    # bulk_create writes no outbox event, so forget the stored snapshots to measure a render.
    store.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), len(response.content)


@pytest.mark.parametrize(
    "url",
    [
        *API_V2_PATHS,
        "/history.atom",
        "/history.rss",
        "/maintenance.ics",
        "/badge.svg",
        "/embed",
    ],
)
def test_query_count_stays_the_same_with_10_or_300_of_everything(client, page, url):
    grow(page, 10)
    small, small_size = count_queries(client, url)

    grow(page, 290)
    large, large_size = count_queries(client, url)

    assert large_size >= small_size
    assert large == small
