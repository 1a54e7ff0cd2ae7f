"""A realistic page for the public documents: groups, incidents in every state, maintenance in
every state, all written through the services as operators would."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from django.utils import timezone

from components import services as component_services
from components.models import Component, ComponentGroup
from incidents import services as incident_services
from incidents.models import Incident
from maintenance import services as maintenance_services
from maintenance.models import Maintenance, MaintenanceUpdate

# 14:05 in Paris (CET), well in the past.
KNOWN_TIME = datetime(2026, 11, 5, 13, 5, 0, 123000, tzinfo=UTC)


@dataclass
class World:
    core: ComponentGroup
    api: Component
    dashboard: Component
    website: Component
    search: Component
    empty_group: ComponentGroup
    outage: Incident  # identified, API in partial outage
    resolved: Incident  # resolved, with an update that changed no component
    postmortem: Incident  # resolved, postmortem published
    upcoming: Maintenance
    active: Maintenance
    completed: Maintenance
    cancelled: Maintenance


@pytest.fixture
def world(page, alice, core, api, dashboard, website) -> World:
    now = timezone.now()
    # Everything in this world is on `page` and written by alice.
    open_incident = partial(incident_services.open_incident, page=page, actor=alice)
    schedule = partial(maintenance_services.schedule_maintenance, page=page, actor=alice)
    search = component_services.create_component(
        page=page,
        name="Search",
        description="Full-text search",
        only_show_if_degraded=True,
        actor=alice,
    )
    empty_group = component_services.create_group(page=page, name="Legacy", actor=alice)

    resolved = open_incident(
        name="Delayed email delivery",
        body="Outgoing email is delayed.\r\nWe are investigating.",
        component_statuses={website: "degraded_performance"},
        started_at=KNOWN_TIME - timedelta(hours=2),
    )
    for status, body, shown in [
        ("investigating", "Still looking <b>& digging</b>.", KNOWN_TIME - timedelta(hours=1)),
        ("identified", "A queue is stuck.\n\nWe are draining it.", KNOWN_TIME),
    ]:
        incident_services.post_incident_update(
            incident=resolved, status=status, body=body, display_at=shown, actor=alice
        )
    incident_services.resolve_incident(incident=resolved, actor=alice)

    postmortem = open_incident(
        name="Dashboard login failures",
        body="Some people cannot log in.",
        component_statuses={dashboard: "major_outage"},
        started_at=now - timedelta(days=3),
    )
    incident_services.resolve_incident(incident=postmortem, actor=alice)
    incident_services.publish_postmortem(
        incident=postmortem, body="A certificate expired.", actor=alice
    )

    outage = open_incident(
        name="Elevated API error rates",
        body="We are investigating elevated error rates on the API.",
        component_statuses={api: "degraded_performance"},
    )
    incident_services.post_incident_update(
        incident=outage,
        status="identified",
        body="The issue has been identified and a fix is being implemented.",
        component_statuses={api: "partial_outage"},
        actor=alice,
    )

    for component in (api, dashboard, website):
        component.refresh_from_db()
    upcoming = schedule(
        name="Database upgrade",
        scheduled_for=now + timedelta(days=3),
        scheduled_until=now + timedelta(days=3, hours=2),
        body="We will upgrade the primary database.",
        components=[dashboard],
    )
    active = schedule(
        name="Search reindex",
        scheduled_for=now - timedelta(minutes=30),
        scheduled_until=now + timedelta(hours=1),
        body="Search results may be incomplete.",
        components=[search],
        set_components_under_maintenance=False,
    )
    maintenance_services.post_maintenance_update(
        maintenance=active, status="in_progress", body="Reindexing.", actor=alice
    )
    completed = schedule(
        name="Network switch replacement",
        scheduled_for=now - timedelta(days=2, hours=2),
        scheduled_until=now - timedelta(days=2),
        body="Switches will be replaced.",
        components=[website],
    )
    # Announced days before it started.
    MaintenanceUpdate.objects.filter(maintenance=completed).update(
        display_at=now - timedelta(days=5), created_at=now - timedelta(days=5)
    )
    for status, body, at in [
        ("in_progress", "Work has started.", now - timedelta(days=2, hours=2)),
        ("completed", "All done.", now - timedelta(days=2)),
    ]:
        maintenance_services.post_maintenance_update(
            maintenance=completed, status=status, body=body, at=at, actor=alice
        )
    cancelled = schedule(
        name="Storage migration",
        scheduled_for=now + timedelta(days=5),
        scheduled_until=now + timedelta(days=5, hours=1),
        body="Moving storage.",
    )
    maintenance_services.cancel_maintenance(maintenance=cancelled, actor=alice)

    return World(
        core=core,
        api=api,
        dashboard=dashboard,
        website=website,
        search=search,
        empty_group=empty_group,
        outage=outage,
        resolved=resolved,
        postmortem=postmortem,
        upcoming=upcoming,
        active=active,
        completed=completed,
        cancelled=cancelled,
    )


@pytest.fixture
def fetch_json(client):
    def fetch(path: str, **headers: str) -> dict:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)

    return fetch
