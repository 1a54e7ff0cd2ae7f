from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from components.models import ComponentStatus, ComponentStatusChange
from events.models import AuditEntry, EventKind
from incidents import services
from incidents.models import Impact, IncidentStatus
from tests.support.events import captured_events, read

pytestmark = pytest.mark.django_db


def test_opening_an_incident_sets_component_statuses_and_writes_one_event(page, api, alice):
    with captured_events() as events:
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
    assert read(events) == [
        {
            "kind": EventKind.INCIDENT_OPENED,
            "subject": ("incident", incident.pk),
            "notify": True,
            "payload": {"update_id": update.pk},
        }
    ]
    assert AuditEntry.objects.filter(action="open", actor=alice).exists()


def test_an_update_to_a_resolved_incident_needs_reopening(page, api, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    services.resolve_incident(incident=incident, actor=alice)
    with captured_events() as refused, pytest.raises(ValidationError, match="Reopen"):
        services.post_incident_update(
            incident=incident, status="monitoring", body="More.", actor=alice
        )
    with captured_events() as events:
        update = services.post_incident_update(
            incident=incident, status="investigating", body="Back.", actor=alice, reopen=True
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.resolved_at is None
    assert refused == []
    assert read(events) == [
        {
            "kind": EventKind.INCIDENT_UPDATED,
            "subject": ("incident", incident.pk),
            "notify": True,
            "payload": {"update_id": update.pk},
        }
    ]


def test_an_unknown_status_is_refused_and_nothing_is_saved(page, api, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    with captured_events() as events, pytest.raises(ValidationError):
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
    assert events == []


def test_editing_an_update_marks_it_edited_and_the_same_text_is_a_no_op(page, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    update = incident.updates.get()
    with captured_events() as unchanged:
        assert services.edit_incident_update(update=update, body="Looking.", actor=alice) is False
    with captured_events() as events:
        assert services.edit_incident_update(update=update, body="Looking hard.", actor=alice)
    update.refresh_from_db()
    assert update.edited_at is not None
    assert unchanged == []
    assert read(events) == [
        {
            "kind": EventKind.INCIDENT_UPDATE_EDITED,
            "subject": ("incident", incident.pk),
            "notify": False,
            "payload": {"update_id": update.pk},
        }
    ]


def test_backfilled_incidents_notify_nobody_and_leave_components_alone(page, api, alice):
    with captured_events() as events:
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
    assert read(events) == [
        {
            "kind": EventKind.INCIDENT_OPENED,
            "subject": ("incident", incident.pk),
            "notify": False,
            "payload": {"update_id": incident.updates.get().pk},
        }
    ]


def test_the_impact_keeps_the_worst_the_components_reached(page, api, dashboard, alice):
    incident = services.open_incident(
        page=page,
        name="Dashboard slow",
        body="Slow.",
        component_statuses={dashboard: ComponentStatus.DEGRADED_PERFORMANCE},
        actor=alice,
    )
    assert incident.impact == Impact.MINOR
    services.post_incident_update(
        incident=incident,
        status="identified",
        body="API down too.",
        component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
        actor=alice,
    )
    with captured_events() as events:
        resolution = services.resolve_incident(incident=incident, actor=alice)
    incident.refresh_from_db()
    api.refresh_from_db()
    dashboard.refresh_from_db()
    assert incident.impact == Impact.CRITICAL
    assert (api.status, dashboard.status) == ("operational", "operational")
    assert incident.resolved_at is not None
    assert read(events) == [
        {
            "kind": EventKind.INCIDENT_RESOLVED,
            "subject": ("incident", incident.pk),
            "notify": True,
            "payload": {"update_id": resolution.pk},
        }
    ]


def test_an_operator_override_of_the_impact_wins(page, api, alice):
    incident = services.open_incident(
        page=page,
        name="Minor blip",
        body="Blip.",
        component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
        impact_override="minor",
        actor=alice,
    )
    assert incident.effective_impact == "minor"
    with pytest.raises(ValidationError):
        services.change_incident(incident=incident, impact_override="apocalyptic", actor=alice)


def test_monitoring_is_timestamped_once(page, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    services.post_incident_update(
        incident=incident, status="monitoring", body="Fixed?", actor=alice
    )
    incident.refresh_from_db()
    first = incident.monitoring_at
    services.post_incident_update(
        incident=incident, status="monitoring", body="Still.", actor=alice
    )
    incident.refresh_from_db()
    assert first is not None and incident.monitoring_at == first


def test_a_quiet_update_writes_an_event_that_notifies_nobody(page, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    with captured_events() as events:
        update = services.post_incident_update(
            incident=incident,
            status="identified",
            body="Found it.",
            deliver_notifications=False,
            actor=alice,
        )
    assert read(events) == [
        {
            "kind": EventKind.INCIDENT_UPDATED,
            "subject": ("incident", incident.pk),
            "notify": False,
            "payload": {"update_id": update.pk},
        }
    ]


def test_a_postmortem_is_published_only_on_a_resolved_incident(page, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    services.save_postmortem(incident=incident, body="What happened.", actor=alice)
    with pytest.raises(ValidationError, match="Resolve"):
        services.publish_postmortem(incident=incident, actor=alice)
    services.resolve_incident(incident=incident, actor=alice)
    with captured_events() as events:
        postmortem = services.publish_postmortem(incident=incident, actor=alice)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.POSTMORTEM
    assert postmortem.published_at is not None
    assert read(events) == [
        {
            "kind": EventKind.POSTMORTEM_PUBLISHED,
            "subject": ("incident", incident.pk),
            "notify": True,
            "payload": {},
        }
    ]
    # Publishing twice is a no-op: no second event.
    with captured_events() as again:
        services.publish_postmortem(incident=incident, actor=alice)
    assert again == []


def test_changing_nothing_about_an_incident_is_a_no_op(page, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    with captured_events() as unchanged:
        assert services.change_incident(incident=incident, name="Outage", actor=alice) is False
    assert unchanged == []
    with captured_events() as events:
        assert services.change_incident(incident=incident, name="API outage", actor=alice) is True
    assert read(events) == [
        {
            "kind": EventKind.INCIDENT_CHANGED,
            "subject": ("incident", incident.pk),
            "notify": False,
            "payload": {},
        }
    ]


def test_an_oversized_or_empty_message_is_refused(page, alice, settings):
    with pytest.raises(ValidationError, match="Write a message"):
        services.open_incident(page=page, name="Outage", body="   ", actor=alice)
    with pytest.raises(ValidationError, match="limit"):
        services.open_incident(
            page=page, name="Outage", body="x" * (settings.MAX_BODY_CHARS + 1), actor=alice
        )
    assert not page.incidents.exists()


def test_a_component_of_another_page_is_refused(page, alice, other_page):
    from components.services import create_component

    foreign = create_component(page=other_page, name="Foreign", actor="tests")
    with pytest.raises(ValidationError):
        services.open_incident(
            page=page,
            name="Outage",
            body="x",
            component_statuses={foreign: "major_outage"},
            actor=alice,
        )
    foreign.refresh_from_db()
    assert foreign.status == "operational"


def test_control_characters_are_refused_with_a_clear_message(page, api, alice):
    from components.services import update_component
    from maintenance.services import schedule_maintenance

    with pytest.raises(ValidationError, match="control characters"):
        services.open_incident(page=page, name="Outage", body="bad\x00byte", actor=alice)
    with pytest.raises(ValidationError, match="control characters"):
        services.open_incident(page=page, name="Out\x00age", body="fine", actor=alice)
    with pytest.raises(ValidationError, match="control characters"):
        update_component(component=api, name="A\x00PI", actor=alice)
    start = timezone.now()
    with pytest.raises(ValidationError, match="control characters"):
        schedule_maintenance(
            page=page,
            name="Upgrade",
            body="nul\x00",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
            actor=alice,
        )
    assert not page.incidents.exists() and not page.maintenances.exists()
    api.refresh_from_db()
    assert api.name == "API"
