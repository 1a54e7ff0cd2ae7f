"""Saving a monitor: audited, its schedules in step with its regions, and what it holds given
back when it is disabled or deleted."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from components.models import Component, ComponentStatusChange, StatusCause
from components.services import set_component_statuses
from events.models import AuditEntry
from monitors.editing import delete_monitor, save_monitor
from monitors.forms import FORM_FIELDS
from monitors.models import (
    Monitor,
    MonitorSchedule,
    MonitorState,
    MonitorTransition,
    TransitionAction,
)

pytestmark = pytest.mark.django_db


def schedules(monitor: Monitor) -> dict[str, MonitorSchedule]:
    return {s.region: s for s in MonitorSchedule.objects.filter(monitor=monitor)}


def audit(monitor: Monitor) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="monitor", object_id=str(monitor.pk)).order_by("id")
    )


def holding(monitor: Monitor, component: Component, status: str = "major_outage") -> None:
    """As the checks leave it once the monitor has set the component's status."""
    set_component_statuses(
        page=monitor.page,
        statuses={component: status},
        actor="monitor",
        cause=StatusCause.AUTOMATION,
    )
    decided(monitor, MonitorState.DOWN, status)
    monitor.refresh_from_db()


def decided(monitor: Monitor, state: str, applied_status: str) -> None:
    """As the checks leave a monitor that decided `state` and set `applied_status` over an
    operational component."""
    Monitor.objects.filter(pk=monitor.pk).update(
        state=state, applied_status=applied_status, previous_status="operational"
    )


def disable(monitor: Monitor, actor) -> None:
    """As an operator unticks "enabled" and saves."""
    monitor.enabled = False
    save_monitor(monitor=monitor, actor=actor)


def test_creating_a_monitor_is_audited_and_makes_it_due_in_each_region(make_monitor, alice):
    before = timezone.now()
    monitor = make_monitor(regions=["eu-west", "us-east"], regions_required=2)
    planned = schedules(monitor)
    assert set(planned) == {"eu-west", "us-east"}
    assert all(before <= s.next_due_at <= timezone.now() for s in planned.values())
    [entry] = audit(monitor)
    assert entry.action == "create"
    assert entry.actor_label == "tests"
    assert (entry.after or {})["regions"] == ["eu-west", "us-east"]
    assert (entry.after or {})["component"] == monitor.component_id


def test_a_monitor_without_regions_has_one_schedule_for_any_worker(make_monitor):
    assert set(schedules(make_monitor())) == {""}


def test_saving_nothing_new_writes_nothing(make_monitor, alice):
    monitor = make_monitor()
    assert save_monitor(monitor=Monitor.objects.get(pk=monitor.pk), actor=alice) is False
    assert len(audit(monitor)) == 1


def test_header_values_stay_out_of_the_audit_log(make_monitor, alice):
    monitor = make_monitor(headers={"Authorization": "Bearer s3cret"})
    monitor.headers = {"Authorization": "Bearer n3w"}
    assert save_monitor(monitor=monitor, actor=alice) is True
    entries = audit(monitor)
    assert len(entries) == 2
    assert "s3cret" not in str([(e.before, e.after) for e in entries])
    assert "n3w" not in str([(e.before, e.after) for e in entries])
    assert entries[1].after == {"headers": {"Authorization": "(hidden)"}}
    assert Monitor.objects.get(pk=monitor.pk).headers == {"Authorization": "Bearer n3w"}


def test_the_heartbeat_token_is_not_audited(make_monitor):
    monitor = make_monitor(kind="heartbeat", target="", interval_seconds=3600)
    assert monitor.heartbeat_token
    assert monitor.heartbeat_token not in str(audit(monitor)[0].after)


def test_the_audit_entry_shows_every_field_of_the_form_and_no_other(make_monitor):
    monitor = make_monitor()
    assert set(audit(monitor)[0].after or {}) == set(FORM_FIELDS)


def test_regions_added_are_due_now_and_regions_removed_lose_their_schedule(make_monitor, alice):
    monitor = make_monitor(regions=["eu-west", "us-east"])
    later = timezone.now() + timedelta(minutes=5)
    MonitorSchedule.objects.filter(monitor=monitor).update(next_due_at=later)
    monitor.regions = ["eu-west", "ap-south"]
    save_monitor(monitor=monitor, actor=alice)
    planned = schedules(monitor)
    assert set(planned) == {"eu-west", "ap-south"}
    assert planned["eu-west"].next_due_at == later  # untouched
    assert planned["ap-south"].next_due_at <= timezone.now()
    assert (audit(monitor)[-1].before or {})["regions"] == ["eu-west", "us-east"]


def test_a_changed_interval_plans_the_next_check_from_the_last(make_monitor, alice):
    monitor = make_monitor(interval_seconds=600)
    last = timezone.now() - timedelta(seconds=30)
    Monitor.objects.filter(pk=monitor.pk).update(last_checked_at=last)
    MonitorSchedule.objects.filter(monitor=monitor).update(next_due_at=last + timedelta(hours=1))
    monitor.interval_seconds = 60
    save_monitor(monitor=monitor, actor=alice)
    assert schedules(monitor)[""].next_due_at == last + timedelta(seconds=60)


def test_a_changed_target_is_due_now(make_monitor, alice):
    monitor = make_monitor()
    MonitorSchedule.objects.filter(monitor=monitor).update(
        next_due_at=timezone.now() + timedelta(hours=1)
    )
    monitor.target = "https://93.184.215.14/other"
    save_monitor(monitor=monitor, actor=alice)
    assert schedules(monitor)[""].next_due_at <= timezone.now()


def test_a_save_keeps_what_the_checks_wrote_meanwhile(make_monitor, alice, api):
    monitor = make_monitor()
    form_copy = Monitor.objects.get(pk=monitor.pk)  # as the admin loaded it
    holding(monitor, api)
    form_copy.name = "API health (v2)"
    save_monitor(monitor=form_copy, actor=alice)
    stored = Monitor.objects.get(pk=monitor.pk)
    assert stored.name == "API health (v2)"
    assert stored.state == MonitorState.DOWN
    assert stored.applied_status == "major_outage"


def test_bad_settings_are_refused_and_nothing_is_written(make_monitor, alice):
    monitor = make_monitor()
    monitor.target = "http://169.254.169.254/latest/meta-data/"
    monitor.timeout_seconds = 120
    with pytest.raises(ValidationError) as refused:
        save_monitor(monitor=monitor, actor=alice)
    assert set(refused.value.message_dict) == {"target", "timeout_seconds"}
    assert Monitor.objects.get(pk=monitor.pk).target != monitor.target
    assert len(audit(monitor)) == 1


def test_disabling_a_monitor_gives_the_components_status_back(make_monitor, alice, api):
    monitor = make_monitor()
    holding(monitor, api)
    disable(monitor, alice)

    api.refresh_from_db()
    assert api.status == "operational"
    change = ComponentStatusChange.objects.filter(component=api).latest("changed_at")
    assert (change.old_status, change.new_status) == ("major_outage", "operational")
    assert change.cause == StatusCause.AUTOMATION
    stored = Monitor.objects.get(pk=monitor.pk)
    assert (stored.state, stored.applied_status, stored.previous_status) == ("unknown", "", "")
    [logged] = MonitorTransition.objects.filter(monitor=monitor)
    assert (logged.old_state, logged.new_state) == ("down", "unknown")
    assert logged.action == TransitionAction.RESTORED
    assert logged.component_status == "operational"
    assert logged.detail.startswith("Disabled by alice.")
    assert {s.state for s in MonitorSchedule.objects.filter(monitor=monitor)} == {"unknown"}


def test_disabling_leaves_a_status_a_person_has_set_since(make_monitor, alice, api):
    monitor = make_monitor()
    holding(monitor, api)
    set_component_statuses(page=monitor.page, statuses={api: "partial_outage"}, actor=alice)
    disable(monitor, alice)
    api.refresh_from_db()
    assert api.status == "partial_outage"
    logged = MonitorTransition.objects.get(monitor=monitor)
    assert logged.action == TransitionAction.HELD
    assert logged.detail == (
        "Disabled by alice. partial_outage was set by a person since; left as it is."
    )


def test_disabling_leaves_a_status_another_monitor_holds(make_monitor, alice, api):
    first = make_monitor(name="API from outside")
    second = make_monitor(name="API from inside")
    holding(first, api)
    decided(second, MonitorState.DOWN, "major_outage")
    disable(first, alice)
    api.refresh_from_db()
    assert api.status == "major_outage"
    assert "Another monitor still holds" in MonitorTransition.objects.get(monitor=first).detail
    second.refresh_from_db()
    assert (second.applied_status, second.previous_status) == ("major_outage", "operational")


def test_disabling_the_worse_monitor_leaves_the_component_where_the_other_wants_it(
    make_monitor, alice, api
):
    outside = make_monitor(name="API from outside")
    latency = make_monitor(name="API latency", degraded_status="degraded_performance")
    holding(outside, api)
    # The latency monitor is degraded too; the worse status (outside's) was applied for both.
    decided(latency, MonitorState.DEGRADED, "major_outage")
    disable(outside, alice)

    api.refresh_from_db()
    assert api.status == "degraded_performance"
    latency.refresh_from_db()
    assert (latency.applied_status, latency.previous_status) == (
        "degraded_performance",
        "operational",
    )
    logged = MonitorTransition.objects.get(monitor=outside)
    assert logged.action == TransitionAction.SET_STATUS
    assert logged.component_status == "degraded_performance"
    assert logged.detail.startswith("Disabled by alice. Another monitor still holds")
    change = ComponentStatusChange.objects.filter(component=api).latest("changed_at")
    assert (change.old_status, change.new_status) == ("major_outage", "degraded_performance")
    assert change.cause == StatusCause.AUTOMATION

    # When the latency monitor lets go too, the status from before the monitors comes back.
    latency.refresh_from_db()
    delete_monitor(monitor=latency, actor=alice)
    api.refresh_from_db()
    assert api.status == "operational"


def test_an_incident_the_monitor_opened_stays_open_when_it_is_disabled(make_monitor, alice, api):
    from incidents import services as incidents

    monitor = make_monitor()
    holding(monitor, api)
    incident = incidents.open_incident(
        page=monitor.page, name="API is not responding", body="Checks fail.", actor="monitor"
    )
    Monitor.objects.filter(pk=monitor.pk).update(incident=incident)
    monitor.refresh_from_db()
    disable(monitor, alice)
    incident.refresh_from_db()
    assert not incident.is_resolved
    logged = MonitorTransition.objects.get(monitor=monitor)
    assert logged.detail.endswith("Its incident stays open for a person to resolve.")
    assert Monitor.objects.get(pk=monitor.pk).incident_id is None


def test_enabling_again_makes_it_due_now(make_monitor, alice):
    monitor = make_monitor(enabled=False)
    MonitorSchedule.objects.filter(monitor=monitor).update(
        next_due_at=timezone.now() + timedelta(hours=1)
    )
    monitor.enabled = True
    save_monitor(monitor=monitor, actor=alice)
    assert schedules(monitor)[""].next_due_at <= timezone.now()


def test_moving_a_monitor_to_another_component_gives_the_first_back(
    make_monitor, alice, api, website
):
    monitor = make_monitor()
    holding(monitor, api)
    monitor.component = website
    save_monitor(monitor=monitor, actor=alice)
    api.refresh_from_db()
    assert api.status == "operational"
    assert Monitor.objects.get(pk=monitor.pk).applied_status == ""


def test_deleting_a_monitor_gives_the_status_back_and_is_audited(make_monitor, alice, api):
    monitor = make_monitor()
    holding(monitor, api)
    pk = monitor.pk
    delete_monitor(monitor=monitor, actor=alice)
    api.refresh_from_db()
    assert api.status == "operational"
    assert not Monitor.objects.filter(pk=pk).exists()
    assert not MonitorSchedule.objects.filter(monitor_id=pk).exists()
    entry = AuditEntry.objects.filter(object_type="monitor", object_id=str(pk)).latest("id")
    assert entry.action == "delete"
    assert entry.actor_label == "alice"
    assert (entry.before or {})["name"] == "API health"
