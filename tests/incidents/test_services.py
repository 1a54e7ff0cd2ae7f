from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from components.models import ComponentStatus, ComponentStatusChange
from events.models import AuditEntry, EventKind, OutboxEvent
from incidents import services
from incidents.models import Impact, Incident, IncidentStatus, IncidentTemplate
from tests.support.events import captured_events, emitted, read

pytestmark = pytest.mark.django_db


def event(kind: str, incident: Incident, *, notify: bool, **payload) -> dict:
    """An outbox event about this incident, as its consumers read it."""
    return {
        "kind": kind,
        "subject": ("incident", incident.pk),
        "notify": notify,
        "payload": payload,
    }


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
        event(EventKind.INCIDENT_OPENED, incident, notify=True, update_id=update.pk)
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
        event(EventKind.INCIDENT_UPDATED, incident, notify=True, update_id=update.pk)
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
        event(
            EventKind.INCIDENT_UPDATE_EDITED,
            incident,
            notify=False,
            update_id=update.pk,
        )
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
        event(
            EventKind.INCIDENT_OPENED,
            incident,
            notify=False,
            update_id=incident.updates.get().pk,
        )
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
        event(EventKind.INCIDENT_RESOLVED, incident, notify=True, update_id=resolution.pk)
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
        event(EventKind.INCIDENT_UPDATED, incident, notify=False, update_id=update.pk)
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
    assert read(events) == [event(EventKind.POSTMORTEM_PUBLISHED, incident, notify=True)]
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
    assert read(events) == [event(EventKind.INCIDENT_CHANGED, incident, notify=False)]


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


def backfilled(page, alice, began):
    return services.open_incident(
        page=page,
        name="Old outage",
        body="Happened last month.",
        started_at=began,
        backfilled=True,
        actor=alice,
    )


def test_a_backfilled_outage_goes_into_the_status_history_at_the_time_it_happened(page, api, alice):
    began = timezone.now() - timedelta(days=30)
    incident = backfilled(page, alice, began)
    down = services.record_backfilled_statuses(
        incident=incident,
        component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
        at=began,
        actor=alice,
    )
    up = services.record_backfilled_statuses(
        incident=incident,
        component_statuses={api: ComponentStatus.OPERATIONAL},
        at=began + timedelta(hours=1),
        actor=alice,
    )
    assert [(t.old_status, t.new_status) for t in down + up] == [
        ("operational", "major_outage"),
        ("major_outage", "operational"),
    ]
    history = ComponentStatusChange.objects.filter(component=api).order_by("changed_at")
    assert [(c.changed_at, c.cause, c.cause_id) for c in history] == [
        (began, "incident", incident.pk),
        (began + timedelta(hours=1), "incident", incident.pk),
    ]
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    assert AuditEntry.objects.filter(action="record_statuses", actor=alice).count() == 2
    changed = OutboxEvent.objects.filter(kind=EventKind.INCIDENT_CHANGED, subject_id=incident.pk)
    assert changed.count() == 2
    assert not changed.filter(notify=True).exists()
    assert not OutboxEvent.objects.filter(kind=EventKind.COMPONENT_STATUS_CHANGED).exists()


def test_recording_a_status_a_backfilled_incident_already_has_is_a_no_op(page, api, alice):
    incident = backfilled(page, alice, timezone.now() - timedelta(days=3))
    events = OutboxEvent.objects.count()
    assert (
        services.record_backfilled_statuses(
            incident=incident,
            component_statuses={api: ComponentStatus.OPERATIONAL},
            at=timezone.now() - timedelta(days=2),
            actor=alice,
        )
        == []
    )
    assert OutboxEvent.objects.count() == events
    assert not AuditEntry.objects.filter(action="record_statuses").exists()


def test_past_statuses_are_refused_for_a_live_incident_a_future_time_or_out_of_order(
    page, api, alice
):
    live = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    with pytest.raises(ValidationError, match="backfilled"):
        services.record_backfilled_statuses(
            incident=live,
            component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
            at=timezone.now() - timedelta(hours=1),
            actor=alice,
        )
    incident = backfilled(page, alice, timezone.now() - timedelta(days=3))
    with pytest.raises(ValidationError, match="future"):
        services.record_backfilled_statuses(
            incident=incident,
            component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
            at=timezone.now() + timedelta(hours=1),
            actor=alice,
        )
    services.record_backfilled_statuses(
        incident=incident,
        component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
        at=timezone.now() - timedelta(days=1),
        actor=alice,
    )
    with pytest.raises(ValidationError, match="later status"):
        services.record_backfilled_statuses(
            incident=incident,
            component_statuses={api: ComponentStatus.OPERATIONAL},
            at=timezone.now() - timedelta(days=2),
            actor=alice,
        )
    assert ComponentStatusChange.objects.filter(component=api).count() == 1


def test_saving_a_template_records_who_wrote_it_and_a_no_op_records_nothing(page, alice):
    template = IncidentTemplate(page=page, name="Investigating", body="We are looking.")
    assert services.save_incident_template(template=template, actor=alice) is True
    assert services.save_incident_template(template=template, actor=alice) is False
    template.body = "We are looking into it."
    assert services.save_incident_template(template=template, actor=alice) is True
    entries = AuditEntry.objects.filter(object_type="incidenttemplate").order_by("at", "pk")
    assert [e.action for e in entries] == ["create", "update"]
    last = entries.last()
    assert last is not None and last.before is not None and last.after is not None
    assert (last.before["body"], last.after["body"]) == (
        "We are looking.",
        "We are looking into it.",
    )
    assert not OutboxEvent.objects.exists()


def test_a_template_name_with_a_line_break_is_refused_and_not_saved(page, alice):
    template = IncidentTemplate(page=page, name="Investigating\nBcc: x", body="Looking.")
    with pytest.raises(ValidationError):
        services.save_incident_template(template=template, actor=alice)
    assert not IncidentTemplate.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_incident_opened_without_a_message_says_what_its_status_means(page, alice):
    incident = services.open_incident(page=page, name="Outage", status="identified", actor=alice)
    assert incident.updates.get().body == services.DEFAULT_BODIES[IncidentStatus.IDENTIFIED]


def test_components_affected_without_a_new_status_are_attached_in_the_one_event(
    page, api, dashboard, alice
):
    def open_it():
        services.open_incident(
            page=page,
            name="Outage",
            body="Looking.",
            component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
            components=[dashboard],
            actor=alice,
        )

    assert emitted(open_it) == [EventKind.INCIDENT_OPENED]
    incident = page.incidents.get()
    assert set(incident.components.all()) == {api, dashboard}
    dashboard.refresh_from_db()
    assert dashboard.status == ComponentStatus.OPERATIONAL


def test_a_backfilled_incident_is_resolved_and_a_day_alone_is_noon_in_the_pages_zone(page, alice):
    from datetime import date, datetime, time

    def backfill():
        services.backfill_incident(
            page=page, name="Last week", started_at=date(2026, 3, 2), actor=alice
        )

    assert emitted(backfill) == [EventKind.INCIDENT_OPENED]
    incident = page.incidents.get()
    assert incident.status == IncidentStatus.RESOLVED and incident.backfilled
    assert incident.started_at == datetime.combine(date(2026, 3, 2), time(12), tzinfo=page.tz)
    assert not OutboxEvent.objects.get(kind=EventKind.INCIDENT_OPENED).notify


def test_a_backfilled_incident_cannot_set_component_statuses(page, api, alice):
    with pytest.raises(ValidationError, match="cannot change components"):
        services.backfill_incident(
            page=page, name="Last week", component_statuses={api: "major_outage"}, actor=alice
        )


def test_revising_the_details_and_posting_an_update_is_one_event(page, api, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)

    def revise():
        services.revise_incident(
            incident=incident,
            actor=alice,
            name="API outage",
            status="monitoring",
            component_statuses={api: ComponentStatus.DEGRADED_PERFORMANCE},
        )

    assert emitted(revise) == [EventKind.INCIDENT_UPDATED]
    incident.refresh_from_db()
    assert (incident.name, incident.status) == ("API outage", IncidentStatus.MONITORING)
    assert (
        incident.updates.latest("created_at").body
        == (services.DEFAULT_BODIES[IncidentStatus.MONITORING])
    )
    actions = list(
        AuditEntry.objects.filter(object_id=incident.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["open", "change", "post_update"]


def test_revising_a_resolved_incident_with_an_unresolved_status_reopens_it(page, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    services.resolve_incident(incident=incident, actor=alice)
    kinds = emitted(
        lambda: services.revise_incident(
            incident=incident, actor=alice, status="investigating", body="It is back."
        )
    )
    assert kinds == [EventKind.INCIDENT_UPDATED]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING and incident.resolved_at is None
    assert AuditEntry.objects.filter(action="reopen", object_id=incident.pk).exists()


def test_revising_with_a_message_alone_keeps_the_status(page, alice):
    incident = services.open_incident(
        page=page, name="Outage", body="Looking.", status="identified", actor=alice
    )
    services.revise_incident(incident=incident, actor=alice, body="Still on it.")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED
    assert incident.updates.count() == 2


def test_revising_details_and_statuses_without_an_update_is_one_status_event(page, api, alice):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    kinds = emitted(
        lambda: services.revise_incident(
            incident=incident,
            actor=alice,
            name="API outage",
            component_statuses={api: ComponentStatus.PARTIAL_OUTAGE},
        )
    )
    # The row `component_update` webhooks are made from; the rename is audited.
    assert kinds == [EventKind.COMPONENT_STATUS_CHANGED]
    assert emitted(lambda: services.revise_incident(incident=incident, actor=alice)) == []
    assert emitted(
        lambda: services.revise_incident(incident=incident, actor=alice, name="Renamed")
    ) == [EventKind.INCIDENT_CHANGED]


def test_incident_templates_are_saved_and_deleted_with_an_audit_entry(page, alice):
    from incidents.models import IncidentTemplate

    template = IncidentTemplate(page=page, name="Identified", body="Found it.")
    assert services.save_incident_template(template=template, actor=alice)
    assert not services.save_incident_template(template=template, actor=alice)
    template.body = "We found it."
    assert services.save_incident_template(template=template, actor=alice)
    services.delete_incident_template(template=template, actor=alice)
    actions = AuditEntry.objects.filter(object_type="incidenttemplate").values_list(
        "action", flat=True
    )
    assert list(actions.order_by("id")) == ["create", "update", "delete"]
    assert not IncidentTemplate.objects.exists()
