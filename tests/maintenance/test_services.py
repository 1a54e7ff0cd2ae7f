from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from components import services as component_services
from components.models import ComponentStatus
from events.models import EventKind, OutboxEvent
from maintenance import services
from maintenance.models import Maintenance, MaintenanceStatus
from tests.support.events import captured_events, emitted, read
from tests.support.scenes import open_api_incident, refresh, schedule_upgrade

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def schedule(page, components, start, **fields) -> Maintenance:
    return schedule_upgrade(page, start, components=components, **fields)


def revised(m: Maintenance, **changes) -> list[str]:
    """The kinds of the outbox events revising `m` with `changes` writes."""
    return emitted(lambda: services.revise_maintenance(maintenance=m, actor="tests", **changes))


def event(kind: str, m: Maintenance, *, notify: bool, **payload) -> dict:
    """An outbox event about this maintenance, as its consumers read it."""
    return {"kind": kind, "subject": ("maintenance", m.pk), "notify": notify, "payload": payload}


def test_scheduling_announces_the_maintenance_once(page, api, now):
    with captured_events() as events:
        m = schedule(page, [api], now + timedelta(days=2))
    assert m.status == MaintenanceStatus.SCHEDULED
    assert list(m.components.all()) == [api]
    update = m.updates.get()
    assert update.status == MaintenanceStatus.SCHEDULED
    assert read(events) == [
        event(EventKind.MAINTENANCE_SCHEDULED, m, notify=True, update_id=update.pk)
    ]


def test_a_window_that_ends_before_it_starts_is_refused(page, api, now):
    with captured_events() as events, pytest.raises(ValidationError, match="end after it starts"):
        schedule_upgrade(page, now + timedelta(hours=3), hours=-2, name="Backwards", body="Oops.")
    assert not Maintenance.objects.exists()
    assert events == []


def test_starting_puts_the_components_under_maintenance(page, api, dashboard, now):
    m = schedule(page, [api, dashboard], now + timedelta(hours=1))
    with captured_events() as events:
        update = services.post_maintenance_update(
            maintenance=m, status="in_progress", body="Starting now.", actor="tests"
        )
    api.refresh_from_db()
    dashboard.refresh_from_db()
    assert api.status == dashboard.status == ComponentStatus.UNDER_MAINTENANCE
    assert read(events) == [
        event(EventKind.MAINTENANCE_STARTED, m, notify=True, update_id=update.pk)
    ]


def test_completing_restores_the_statuses_the_components_had(page, api, dashboard, now):
    component_services.set_component_status(
        component=dashboard, status="degraded_performance", actor="tests"
    )
    m = schedule(page, [api, dashboard], now)
    services.post_maintenance_update(maintenance=m, status="in_progress", body="Go.", actor="t")
    with captured_events() as events:
        update = services.post_maintenance_update(
            maintenance=m, status="completed", body="Done.", actor="t"
        )
    api.refresh_from_db()
    dashboard.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    assert dashboard.status == ComponentStatus.DEGRADED_PERFORMANCE
    m.refresh_from_db()
    assert m.status == MaintenanceStatus.COMPLETED and m.resolved_at is not None
    assert read(events) == [
        event(EventKind.MAINTENANCE_COMPLETED, m, notify=True, update_id=update.pk)
    ]


def test_completing_leaves_alone_a_component_an_incident_moved_meanwhile(page, api, dashboard, now):
    m = schedule(page, [api, dashboard], now)
    services.post_maintenance_update(maintenance=m, status="in_progress", body="Go.", actor="t")
    open_api_incident(page, api, api_status="major_outage", name="API down after the upgrade")
    services.post_maintenance_update(maintenance=m, status="completed", body="Done.", actor="t")
    api.refresh_from_db()
    dashboard.refresh_from_db()
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    assert dashboard.status == ComponentStatus.OPERATIONAL


def test_cancelling_closes_the_maintenance_and_tells_subscribers(page, api, now):
    m = schedule(page, [api], now + timedelta(days=1))
    with captured_events() as events:
        services.cancel_maintenance(maintenance=m, actor="tests")
    m.refresh_from_db()
    assert m.cancelled_at is not None
    assert m.status == MaintenanceStatus.COMPLETED
    assert not Maintenance.objects.upcoming().exists()
    assert read(events) == [event(EventKind.MAINTENANCE_CANCELLED, m, notify=True)]


def test_a_started_maintenance_cannot_be_cancelled(page, api, now):
    m = schedule(page, [api], now)
    services.post_maintenance_update(maintenance=m, status="in_progress", body="Go.", actor="t")
    with captured_events() as events, pytest.raises(ValidationError, match="not started"):
        services.cancel_maintenance(maintenance=m, actor="tests")
    m.refresh_from_db()
    assert m.status == MaintenanceStatus.IN_PROGRESS and m.cancelled_at is None
    assert events == []


def test_rescheduling_raises_the_calendar_sequence(page, api, now):
    m = schedule(page, [api], now + timedelta(days=1))
    with captured_events() as events:
        changed = services.change_maintenance(
            maintenance=m,
            scheduled_for=now + timedelta(days=2),
            scheduled_until=now + timedelta(days=2, hours=1),
            actor="tests",
        )
    assert changed is True
    m.refresh_from_db()
    assert m.sequence == 1
    assert read(events) == [event(EventKind.MAINTENANCE_RESCHEDULED, m, notify=True)]


def test_renaming_does_not_count_as_rescheduling(page, api, now):
    m = schedule(page, [api], now + timedelta(days=1))
    with captured_events() as events:
        services.change_maintenance(maintenance=m, name="Database upgrade, part 1", actor="tests")
    m.refresh_from_db()
    assert m.sequence == 0
    assert read(events) == [event(EventKind.MAINTENANCE_UPDATED, m, notify=False)]


def test_the_reminder_is_written_once(page, api, now):
    m = schedule(page, [api], now + timedelta(minutes=30), remind_minutes_before=60)
    with captured_events() as events:
        assert services.send_due_reminders(now=now) == [m.pk]
        assert services.send_due_reminders(now=now + timedelta(minutes=1)) == []
    assert read(events) == [event(EventKind.MAINTENANCE_REMINDER, m, notify=True)]


def test_no_reminder_before_its_time(page, api, now):
    schedule(page, [api], now + timedelta(hours=3), remind_minutes_before=60)
    with captured_events() as events:
        assert services.send_due_reminders(now=now) == []
    assert events == []


def test_running_the_scheduler_twice_gives_the_same_state_and_one_event_each(
    page, api, dashboard, now
):
    due_to_start = schedule(page, [api], now - timedelta(minutes=1))
    due_to_end = schedule(page, [dashboard], now - timedelta(hours=3), hours=1)
    reminder = schedule(page, [], now + timedelta(minutes=10), remind_minutes_before=15)

    with captured_events() as events:
        first = services.run_scheduled_maintenance(now=now)
    with captured_events() as again:
        second = services.run_scheduled_maintenance(now=now)

    assert first == {
        "reminded": [reminder.pk],
        "started": [due_to_start.pk],
        "completed": [due_to_end.pk],
    }
    assert second == {"reminded": [], "started": [], "completed": []}
    refresh(due_to_start, due_to_end, api, dashboard)
    assert due_to_start.status == MaintenanceStatus.IN_PROGRESS
    assert due_to_end.status == MaintenanceStatus.COMPLETED
    assert api.status == ComponentStatus.UNDER_MAINTENANCE
    assert dashboard.status == ComponentStatus.OPERATIONAL
    # One each: the reminder; the live one and the missed one starting; the missed one ending.
    assert sorted((e.kind, e.subject_id) for e in events) == sorted(
        [
            (EventKind.MAINTENANCE_REMINDER, reminder.pk),
            (EventKind.MAINTENANCE_STARTED, due_to_start.pk),
            (EventKind.MAINTENANCE_STARTED, due_to_end.pk),
            (EventKind.MAINTENANCE_COMPLETED, due_to_end.pk),
        ]
    )
    assert all(e.notify for e in events)
    assert again == []


def test_a_maintenance_scheduled_without_a_message_says_so(page, api, now):
    m = services.schedule_maintenance(
        page=page,
        name="Database upgrade",
        scheduled_for=now + timedelta(days=1),
        scheduled_until=now + timedelta(days=1, hours=2),
        actor="tests",
    )
    assert m.updates.get().body == services.SCHEDULED_TEXT


def test_a_maintenance_entered_once_begun_is_scheduled_then_started_as_one_event(page, api, now):
    kinds = emitted(
        lambda: schedule(page, [api], now - timedelta(minutes=10), status="in_progress")
    )
    assert kinds == [EventKind.MAINTENANCE_STARTED]
    m = Maintenance.objects.get()
    assert m.status == MaintenanceStatus.IN_PROGRESS
    assert [u.status for u in m.updates.order_by("created_at")] == ["scheduled", "in_progress"]
    assert m.updates.get(status="in_progress").body == services.STARTED_TEXT
    started = OutboxEvent.objects.get(kind=EventKind.MAINTENANCE_STARTED)
    assert started.payload["update_id"] == m.updates.get(status="in_progress").pk
    api.refresh_from_db()
    assert api.status == ComponentStatus.UNDER_MAINTENANCE


def test_a_maintenance_cannot_be_entered_as_verifying(page, api, now):
    with pytest.raises(ValidationError, match="cannot go from scheduled"):
        schedule(page, [api], now, status="verifying")
    assert not Maintenance.objects.exists()


def test_revising_a_maintenance_and_posting_an_update_is_one_event(page, api, now):
    m = schedule(page, [api], now + timedelta(days=1))
    kinds = revised(m, name="Bigger upgrade", status="in_progress")
    assert kinds == [EventKind.MAINTENANCE_STARTED]
    m.refresh_from_db()
    assert (m.name, m.status) == ("Bigger upgrade", MaintenanceStatus.IN_PROGRESS)
    assert m.updates.get(status="in_progress").body == services.STARTED_TEXT


def test_revising_only_the_window_reschedules(page, api, now):
    m = schedule(page, [api], now + timedelta(days=1))
    kinds = revised(
        m,
        scheduled_for=now + timedelta(days=2, hours=1),
        scheduled_until=now + timedelta(days=2, hours=3),
    )
    assert kinds == [EventKind.MAINTENANCE_RESCHEDULED]
    assert revised(m) == []


def test_revising_component_statuses_alone_is_one_status_event(page, api, now):
    m = schedule(page, [api], now + timedelta(days=1))
    kinds = revised(
        m,
        metadata={"ticket": {"id": "7"}},
        component_statuses={api: ComponentStatus.DEGRADED_PERFORMANCE},
    )
    assert kinds == [EventKind.COMPONENT_STATUS_CHANGED]
    m.refresh_from_db()
    assert m.metadata == {"ticket": {"id": "7"}}
