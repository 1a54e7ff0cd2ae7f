"""From results to states, and from a change of state to the component.

Each region decides from its own results (`region_state`): down after `down_after` failures
among its last `down_window` checks, degraded after as many checks that were not up (some
merely slow), up again after `up_after` successes in a row; otherwise it keeps its state, so a
flapping target does not flap the page. The monitor's state is the worst state that at least
`regions_required` regions agree on (`overall_state`): one region that cannot reach the target
says more about that region than about the target.

Only a change of the monitor's state touches the component (`decide`), and then by these rules:

- A component shows the worst of what its monitors want (a down monitor its `down_status`, a
  degraded one its `degraded_status`, blank: nothing).
- Automation never overrides a person: a monitor sets the component only while it is
  operational or holds a status a monitor set (`applied_status`); when the monitors let go,
  the component gets back `previous_status`, and only if it still shows what they set.
  Otherwise the transition is logged with action `held`.
- While a maintenance covering the component is in progress, nothing changes (`maintenance`).
- With `open_incident`, going down opens an incident (from the monitor's template, if any)
  whose first update sets the status, and recovering resolves it, giving the status back.

Every decision runs in one transaction that locks the component first, then the monitor, so
the monitors of one component decide one at a time and see each other's states; the component
changes through components.services or incidents.services, so the outbox, snapshots,
subscribers and the audit log follow.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from components.models import Component, ComponentStatus, StatusCause, worst_status
from components.services import set_component_statuses
from events.services import Actor
from incidents import services as incident_services
from incidents.models import Incident, IncidentStatus
from maintenance.models import Maintenance

from .models import (
    Monitor,
    MonitorKind,
    MonitorResult,
    MonitorSchedule,
    MonitorState,
    MonitorTransition,
    TransitionAction,
    Verdict,
)

SEVERITY = {
    MonitorState.UNKNOWN: 0,
    MonitorState.UP: 1,
    MonitorState.DEGRADED: 2,
    MonitorState.DOWN: 3,
}


@dataclass(frozen=True)
class Thresholds:
    down_after: int
    down_window: int
    up_after: int

    @classmethod
    def of(cls, monitor: Monitor) -> "Thresholds":
        if monitor.kind == MonitorKind.HEARTBEAT:
            # A missed deadline is itself the verdict, and a job that runs once a day cannot
            # be asked to ping twice before it counts as back.
            return cls(1, 1, 1)
        down_after = max(1, monitor.down_after)
        return cls(down_after, max(down_after, monitor.down_window), max(1, monitor.up_after))

    @property
    def depth(self) -> int:
        return max(self.down_window, self.up_after)


def region_state(verdicts: list[str], current: str, thresholds: Thresholds) -> str:
    """One region's state from its latest verdicts (newest first) and its current state."""
    window = verdicts[: thresholds.down_window]
    downs = sum(1 for v in window if v == Verdict.DOWN)
    not_up = sum(1 for v in window if v != Verdict.UP)
    streak = verdicts[: thresholds.up_after]
    full_streak = len(streak) == thresholds.up_after
    if downs >= thresholds.down_after:
        return MonitorState.DOWN
    if not_up >= thresholds.down_after:
        return MonitorState.DEGRADED
    if full_streak and all(v == Verdict.UP for v in streak):
        return MonitorState.UP
    if current == MonitorState.DOWN and full_streak and Verdict.DOWN not in streak:
        return MonitorState.DEGRADED
    return current


def overall_state(states: list[str], required: int) -> str:
    """The worst state at least `required` regions agree on (a region in a worse state agrees
    with the better ones too); UNKNOWN while too few regions have decided anything."""
    required = max(1, min(required, len(states)))
    for candidate in (MonitorState.DOWN, MonitorState.DEGRADED, MonitorState.UP):
        agreeing = sum(1 for s in states if SEVERITY[MonitorState(s)] >= SEVERITY[candidate])
        if agreeing >= required:
            return candidate
    return MonitorState.UNKNOWN


def wanted_status(monitor: Monitor) -> str:
    """The component status this monitor's state asks for; blank: none."""
    if not monitor.enabled:
        return ""
    if monitor.state == MonitorState.DOWN:
        return monitor.down_status
    if monitor.state == MonitorState.DEGRADED:
        return monitor.degraded_status
    return ""


def actor_of(monitor: Monitor) -> str:
    return f"monitor: {monitor.name}"[:150]


def decide(*, monitor_id: int) -> MonitorTransition | None:
    """Judge the monitor's latest results; on a change of its state, act on the component.
    Returns the overall transition, or None when its state did not change."""
    with transaction.atomic():
        component_id = Monitor.objects.filter(pk=monitor_id).values_list("component_id", flat=True)
        # The component first: every decision about it takes this lock, in this order.
        component = Component.objects.select_for_update().filter(pk__in=component_id).first()
        monitor = (
            Monitor.objects.select_for_update(of=("self",))
            .select_related("incident", "incident_template", "page")
            .filter(pk=monitor_id)
            .first()
        )
        if monitor is None or component is None:
            return None
        now = timezone.now()
        states = _decide_regions(monitor, now)
        new = overall_state(states, monitor.regions_required)
        old = monitor.state
        if new == MonitorState.UNKNOWN or new == old:
            return None
        monitor.state = new
        monitor.state_since = now
        return _act(monitor, component, old, new, now)


def _decide_regions(monitor: Monitor, now: datetime) -> list[str]:
    thresholds = Thresholds.of(monitor)
    states = []
    for schedule in MonitorSchedule.objects.filter(monitor=monitor).order_by("region"):
        results = MonitorResult.objects.filter(monitor=monitor)
        if monitor.kind != MonitorKind.HEARTBEAT:
            # A heartbeat's pings come from anywhere: its results are one series.
            results = results.filter(region=schedule.region)
        verdicts = list(
            results.order_by("-checked_at", "-id").values_list("verdict", flat=True)[
                : thresholds.depth
            ]
        )
        state = region_state(verdicts, schedule.state, thresholds)
        if state != schedule.state:
            MonitorSchedule.objects.filter(pk=schedule.pk).update(state=state)
            if schedule.region:
                MonitorTransition.objects.create(
                    monitor=monitor,
                    at=now,
                    region=schedule.region,
                    old_state=schedule.state,
                    new_state=state,
                    action=TransitionAction.NONE,
                    detail=f"{schedule.region} alone; the monitor follows its regions' agreement",
                )
        states.append(state)
    return states


def _in_maintenance(component: Component) -> bool:
    return Maintenance.objects.active().filter(components=component).exists()


def release(
    monitor: Monitor, component: Component, now: datetime, *, actor: Actor, note: str
) -> MonitorTransition:
    """A monitor disabled, deleted or moved away lets go of `component` (both locked, the
    component first): the component is judged again as if the monitor's state were unknown, so
    the other monitors' wishes hold it where they want it, and when none is left it gets back
    the status it had before the monitors, if it still shows what they set. An incident the
    monitor opened stays open. `note` (who did what) begins the logged transition's detail."""
    old = monitor.state
    monitor.state, monitor.state_since = MonitorState.UNKNOWN, now
    return _act(monitor, component, old, MonitorState.UNKNOWN, now, actor=actor, note=note)


def _act(
    monitor: Monitor,
    component: Component,
    old: str,
    new: str,
    now: datetime,
    *,
    actor: Actor | None = None,
    note: str = "",
) -> MonitorTransition:
    """Act on a change of the monitor's overall state: set, hold or give back the component's
    status, open or resolve the monitor's incident, and log the transition. `new` is unknown
    only when the monitor lets go (`release`)."""
    releasing = new == MonitorState.UNKNOWN
    actor = actor or actor_of(monitor)
    # The other monitors that matter: those holding the component or wanting a status; one
    # that is up and holds nothing changes nothing, however many of those there are.
    others = list(
        Monitor.objects.filter(component=component)
        .exclude(pk=monitor.pk)
        .filter(Q(applied_status__gt="") | Q(state__in=[MonitorState.DOWN, MonitorState.DEGRADED]))
    )
    everyone = [monitor, *others]
    holds_before = {m.pk: (m.applied_status, m.previous_status) for m in others}
    holders = [m for m in everyone if m.applied_status]
    held = any(m.applied_status == component.status for m in holders)
    wants = [w for w in (wanted_status(m) for m in everyone) if w]
    wanted = worst_status(wants) if wants else ""
    # What the component showed before any monitor took it: the holders know, while they hold.
    previous = next((m.previous_status for m in holders if m.previous_status), "") if held else ""
    previous = previous or component.status
    action = TransitionAction.NONE
    detail = ""
    statuses: dict[Component, str] = {}
    incident = None

    if _in_maintenance(component):
        action = TransitionAction.MAINTENANCE
        detail = "A maintenance of the component is in progress."
    elif wanted and component.status == wanted and held:
        detail = (
            "Another monitor still holds the component; its status stays."
            if releasing
            else f"Already {wanted}, set by a monitor."
        )
        _hold(everyone, wanted, previous)
    elif wanted and (held or component.status == ComponentStatus.OPERATIONAL):
        action = TransitionAction.SET_STATUS
        statuses = {component: wanted}
        if releasing:
            detail = f"Another monitor still holds the component, at {wanted}."
        _hold(everyone, wanted, previous)
    elif wanted:
        action = TransitionAction.HELD
        detail = f"{component.status} was set by a person; left as it is."
        if monitor.applied_status and not held:
            _let_go(everyone)
    elif held:
        action = TransitionAction.RESTORED
        statuses = {component: previous}
        _let_go(everyone)
    elif monitor.applied_status:
        action = TransitionAction.HELD
        detail = f"{component.status} was set by a person since; left as it is."
        _let_go(everyone)

    opening = (
        monitor.open_incident
        and new == MonitorState.DOWN
        and action == TransitionAction.SET_STATUS
        and (monitor.incident is None or monitor.incident.is_resolved)
    )
    resolving = (
        new == MonitorState.UP
        and old != MonitorState.UNKNOWN
        and monitor.incident is not None
        and not monitor.incident.is_resolved
    )
    if opening:
        incident = _open_incident(monitor, component, statuses, actor)
        monitor.incident = incident
        action = TransitionAction.OPENED_INCIDENT
    elif resolving and monitor.incident is not None:
        incident = monitor.incident
        incident_services.post_incident_update(
            incident=incident,
            status=IncidentStatus.RESOLVED,
            body=f"{monitor.name} is passing its checks again.",
            actor=actor,
            component_statuses=statuses,
        )
        action = TransitionAction.RESOLVED_INCIDENT
    elif statuses:
        set_component_statuses(
            page=component.page, statuses=statuses, actor=actor, cause=StatusCause.AUTOMATION
        )
    if releasing and monitor.incident_id:
        detail += " Its incident stays open for a person to resolve."
    detail = f"{note} {detail}".strip()
    monitor.save(
        update_fields=["state", "state_since", "applied_status", "previous_status", "incident"]
    )
    for m in others:
        # Only the holds that changed: a component may have many monitors, each row written
        # is a lock held until this commits.
        if (m.applied_status, m.previous_status) != holds_before[m.pk]:
            m.save(update_fields=["applied_status", "previous_status"])
    component.refresh_from_db(fields=["status"])
    return MonitorTransition.objects.create(
        monitor=monitor,
        at=now,
        region="",
        old_state=old,
        new_state=new,
        action=action,
        component_status=component.status,
        incident=incident or monitor.incident,
        detail=detail[:300],
    )


def _hold(monitors: list[Monitor], status: str, previous: str) -> None:
    """The monitors that want a status hold the component at `status`; the others let go."""
    for m in monitors:
        if wanted_status(m):
            m.applied_status, m.previous_status = status, previous
        else:
            m.applied_status, m.previous_status = "", ""


def _let_go(monitors: list[Monitor]) -> None:
    for m in monitors:
        m.applied_status, m.previous_status = "", ""


def _open_incident(
    monitor: Monitor, component: Component, statuses: dict[Component, str], actor: Actor
) -> Incident:
    template = monitor.incident_template
    name = (template.title if template else "") or f"{component.name} is not responding"
    error = f" The last check said: {monitor.last_error}." if monitor.last_error else ""
    body = (template.body if template else "") or (
        f"Our checks of {component.name} are failing; we are looking into it.{error}"
    )
    status = (template.status if template else "") or IncidentStatus.INVESTIGATING
    if status == IncidentStatus.RESOLVED:
        status = IncidentStatus.INVESTIGATING
    return incident_services.open_incident(
        page=component.page,
        name=name,
        body=body,
        status=status,
        actor=actor,
        component_statuses=statuses,
    )
