"""From results to the monitor's state, and from a change of state to the component."""

from datetime import timedelta

import pytest
from django.utils import timezone

from components.models import ComponentStatus, ComponentStatusChange, StatusCause
from components.services import set_component_status
from events.models import EventKind
from incidents.models import Incident, IncidentStatus, IncidentTemplate
from maintenance.services import start_due_maintenance
from monitors.decisions import Thresholds, overall_state, region_state
from monitors.models import Monitor, MonitorState, MonitorTransition, TransitionAction
from tests.monitors.factories import check, http_monitor, service
from tests.support.events import captured_events
from tests.support.scenes import schedule_upgrade

__all__ = ["service"]

UP, DEGRADED, DOWN, UNKNOWN = (
    MonitorState.UP,
    MonitorState.DEGRADED,
    MonitorState.DOWN,
    MonitorState.UNKNOWN,
)


def latest_transition(monitor) -> MonitorTransition:
    return MonitorTransition.objects.filter(monitor=monitor).latest("at")


def down_after_three_failures(service, api) -> Monitor:
    """A new HTTP monitor of `api`, checked three times while the service answers 500."""
    monitor = http_monitor(api, service.url_for("api"))
    service.status = 500
    return check(monitor, times=3)


@pytest.mark.parametrize(
    ("verdicts", "current", "expected"),
    [
        (["down", "down"], UP, UP),  # two failures of three needed: not yet
        (["down", "down", "down"], UP, DOWN),
        (["down", "up", "down", "down"], UP, DOWN),  # 3 of the last 4 (down_window 4)
        (["up", "down", "up", "down"], UP, UP),  # flapping: 2 of 4 is not enough
        (["up"], DOWN, DOWN),  # one success is not a recovery
        (["up", "up"], DOWN, UP),
        (["degraded", "degraded", "down"], UP, DEGRADED),
        (["degraded", "up"], DOWN, DEGRADED),  # no longer down, not yet up
        (["up"], UNKNOWN, UNKNOWN),
        (["up", "up"], UNKNOWN, UP),
    ],
)
def test_a_region_decides_from_its_latest_checks(verdicts, current, expected):
    thresholds = Thresholds(down_after=3, down_window=4, up_after=2)
    assert region_state(verdicts, current, thresholds) == expected


@pytest.mark.parametrize(
    ("states", "required", "expected"),
    [
        ([DOWN, UP], 2, UP),  # one region alone cannot take the monitor down
        ([DOWN, DOWN, UP], 2, DOWN),
        ([DOWN, DEGRADED, UP], 2, DEGRADED),  # the worst that two agree on
        ([UNKNOWN, UP], 2, UNKNOWN),
        ([DOWN, UP], 1, DOWN),
        ([DOWN], 3, DOWN),  # more required than there are regions: all of them
    ],
)
def test_the_monitor_follows_the_worst_state_enough_regions_agree_on(states, required, expected):
    assert overall_state(states, required) == expected


def test_a_component_goes_down_after_three_failures_and_comes_back_after_two_successes(
    service, api
):
    monitor = http_monitor(api, service.url_for("api"))
    check(monitor, times=2)
    assert monitor.state == UP
    service.status = 503

    check(monitor, times=2)
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    with captured_events() as events:
        monitor = check(monitor)
    api.refresh_from_db()
    assert monitor.state == DOWN
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    assert [e.kind for e in events] == [EventKind.COMPONENT_STATUS_CHANGED]
    change = ComponentStatusChange.objects.filter(component=api).latest("changed_at")
    assert change.cause == StatusCause.AUTOMATION
    assert api.page.audit_entries.filter(action="set_status", actor_label__startswith="monitor")

    service.status = 200
    check(monitor)
    api.refresh_from_db()
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    monitor = check(monitor)
    api.refresh_from_db()
    assert monitor.state == UP
    assert api.status == ComponentStatus.OPERATIONAL
    actions = list(
        MonitorTransition.objects.filter(monitor=monitor)
        .order_by("at", "id")
        .values_list("old_state", "new_state", "action")
    )
    assert actions == [
        (UNKNOWN, UP, TransitionAction.NONE),
        (UP, DOWN, TransitionAction.SET_STATUS),
        (DOWN, UP, TransitionAction.RESTORED),
    ]


def test_a_flapping_service_does_not_flap_the_page(service, api):
    monitor = http_monitor(api, service.url_for("api"))
    for status in [200, 200, 500, 200, 500, 500, 200, 500, 200]:
        service.status = status
        check(monitor)
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    assert not ComponentStatusChange.objects.filter(component=api, cause=StatusCause.AUTOMATION)


def test_a_status_a_person_set_is_never_overridden(service, api, alice):
    set_component_status(component=api, status=ComponentStatus.PARTIAL_OUTAGE, actor=alice)
    monitor = down_after_three_failures(service, api)
    api.refresh_from_db()
    assert monitor.state == DOWN
    assert api.status == ComponentStatus.PARTIAL_OUTAGE
    assert latest_transition(monitor).action == TransitionAction.HELD

    service.status = 200
    check(monitor, times=2)
    api.refresh_from_db()
    assert api.status == ComponentStatus.PARTIAL_OUTAGE


def test_a_person_who_changes_the_status_meanwhile_keeps_it_after_recovery(service, api, alice):
    monitor = down_after_three_failures(service, api)
    set_component_status(component=api, status=ComponentStatus.PARTIAL_OUTAGE, actor=alice)

    service.status = 200
    monitor = check(monitor, times=2)
    api.refresh_from_db()
    assert api.status == ComponentStatus.PARTIAL_OUTAGE
    assert monitor.applied_status == ""
    assert latest_transition(monitor).action == TransitionAction.HELD


def test_during_maintenance_checks_run_and_change_nothing(service, api):
    page = api.page
    schedule_upgrade(page, timezone.now() - timedelta(minutes=1), components=[api])
    start_due_maintenance()
    api.refresh_from_db()
    assert api.status == ComponentStatus.UNDER_MAINTENANCE

    monitor = down_after_three_failures(service, api)
    api.refresh_from_db()
    assert monitor.state == DOWN
    assert api.status == ComponentStatus.UNDER_MAINTENANCE
    assert latest_transition(monitor).action == TransitionAction.MAINTENANCE
    assert monitor.results.count() == 3


def test_a_monitor_opens_an_incident_from_its_template_and_resolves_it(service, api):
    template = IncidentTemplate.objects.create(
        page=api.page, name="API down", title="The API is down", body="We are on it."
    )
    monitor = http_monitor(
        api, service.url_for("api"), open_incident=True, incident_template=template
    )
    service.status = 500
    with captured_events() as events:
        monitor = check(monitor, times=3)
    incident = Incident.objects.get()
    assert incident.name == "The API is down"
    assert incident.updates.get().body == "We are on it."
    assert monitor.incident == incident
    assert [e.kind for e in events] == [EventKind.INCIDENT_OPENED]
    api.refresh_from_db()
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    transition = latest_transition(monitor)
    assert (transition.action, transition.incident) == (TransitionAction.OPENED_INCIDENT, incident)

    service.status = 200
    with captured_events() as events:
        monitor = check(monitor, times=2)
    incident.refresh_from_db()
    api.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert api.status == ComponentStatus.OPERATIONAL
    assert [e.kind for e in events] == [EventKind.INCIDENT_RESOLVED]
    assert latest_transition(monitor).action == TransitionAction.RESOLVED_INCIDENT

    # Down again: a new incident, not the resolved one reopened.
    service.status = 500
    check(monitor, times=3)
    assert Incident.objects.count() == 2


def test_a_component_shows_the_worst_of_its_monitors(service, api):
    site = http_monitor(api, service.url_for("site"), name="site")
    search = http_monitor(
        api,
        service.url_for("search"),
        name="search",
        down_status=ComponentStatus.DEGRADED_PERFORMANCE,
    )
    check(site, times=2)
    check(search, times=2)
    service.status = 500

    check(search, times=3)
    api.refresh_from_db()
    assert api.status == ComponentStatus.DEGRADED_PERFORMANCE
    check(site, times=3)
    api.refresh_from_db()
    assert api.status == ComponentStatus.MAJOR_OUTAGE

    # The site recovers, the search does not: the component shows the search's state.
    service.status = 200
    check(site, times=2)
    api.refresh_from_db()
    assert api.status == ComponentStatus.DEGRADED_PERFORMANCE
    service.status = 200
    check(search, times=2)
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    changes = list(
        ComponentStatusChange.objects.filter(component=api)
        .order_by("changed_at", "id")
        .values_list("new_status", flat=True)
    )
    assert changes == [
        ComponentStatus.DEGRADED_PERFORMANCE,
        ComponentStatus.MAJOR_OUTAGE,
        ComponentStatus.DEGRADED_PERFORMANCE,
        ComponentStatus.OPERATIONAL,
    ]


def test_a_slow_service_is_degraded_and_blank_degraded_status_changes_nothing(
    service, api, website
):
    slow = http_monitor(api, service.url_for("api"), degraded_latency_ms=50)
    ignored = http_monitor(
        website, service.url_for("website"), degraded_latency_ms=50, degraded_status=""
    )
    service.delay = 0.2
    slow = check(slow, times=3)
    ignored = check(ignored, times=3)
    api.refresh_from_db()
    website.refresh_from_db()
    assert slow.state == ignored.state == DEGRADED
    assert api.status == ComponentStatus.DEGRADED_PERFORMANCE
    assert website.status == ComponentStatus.OPERATIONAL


def test_one_region_failing_alone_changes_nothing_when_two_must_agree(service, api):
    monitor = http_monitor(api, service.url_for("api"), regions=["eu", "us"], regions_required=2)
    service.status = 500
    check(monitor, times=3, region="eu")
    service.status = 200
    monitor = check(monitor, times=2, region="us")
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    assert monitor.state == UP
    regional = MonitorTransition.objects.filter(monitor=monitor, region="eu").latest("at")
    assert regional.new_state == DOWN

    service.status = 500
    monitor = check(monitor, times=3, region="us")
    api.refresh_from_db()
    assert monitor.state == DOWN
    assert api.status == ComponentStatus.MAJOR_OUTAGE
