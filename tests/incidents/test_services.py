import pytest
from django.core.exceptions import ValidationError

from components.models import ComponentStatus, ComponentStatusChange
from events.models import AuditEntry, EventKind, OutboxEvent
from incidents import services
from incidents.models import Impact, IncidentStatus

pytestmark = pytest.mark.django_db


def test_opening_an_incident_sets_component_statuses_and_writes_one_event(page, api, alice):
    incident = services.open_incident(
        page=page,
        name="Elevated API errors",
        body="We are investigating.",
        component_statuses={api: ComponentStatus.PARTIAL_OUTAGE},
        actor=alice,
    )
    api.refresh_from_db()
    assert api.status == ComponentStatus.PARTIAL_OUTAGE
    assert incident.impact == Impact.MAJOR
    update = incident.updates.get()
    assert update.affected_components == [
        {"code": api.pk, "name": "API", "old_status": "operational", "new_status": "partial_outage"}
    ]
    change = ComponentStatusChange.objects.get(component=api)
    assert (change.cause, change.cause_id) == ("incident", incident.pk)
    event = OutboxEvent.objects.get(kind=EventKind.INCIDENT_OPENED)
    assert event.subject_id == incident.pk and event.notify
    assert AuditEntry.objects.filter(action="open", actor=alice).exists()


def test_an_update_to_a_resolved_incident_needs_reopening(page, api, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    services.resolve_incident(incident=incident, actor=alice)
    with pytest.raises(ValidationError, match="Reopen"):
        services.post_incident_update(
            incident=incident, status="monitoring", body="More.", actor=alice
        )
    services.post_incident_update(
        incident=incident, status="investigating", body="Back.", actor=alice, reopen=True
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.resolved_at is None


def test_an_unknown_status_is_refused_and_nothing_is_saved(page, api, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    with pytest.raises(ValidationError):
        services.post_incident_update(
            incident=incident,
            status="exploded",
            body="x",
            actor=alice,
            component_statuses={api: "major_outage"},
        )
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    assert incident.updates.count() == 1


def test_editing_an_update_marks_it_edited_and_the_same_text_is_a_no_op(page, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    update = incident.updates.get()
    assert services.edit_incident_update(update=update, body="Looking.", actor=alice) is False
    assert services.edit_incident_update(update=update, body="Looking hard.", actor=alice)
    update.refresh_from_db()
    assert update.edited_at is not None


def test_backfilled_incidents_notify_nobody_and_leave_components_alone(page, api, alice):
    incident = services.open_incident(
        page=page,
        name="Old outage",
        body="Happened last year.",
        status="resolved",
        component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
        backfilled=True,
        actor=alice,
    )
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    assert incident.impact == Impact.CRITICAL
    assert not OutboxEvent.objects.get(kind=EventKind.INCIDENT_OPENED).notify
