"""Saving and deleting monitors, as an operator does in the admin.

Each save is audited (the monitor's settings before and after) and keeps the monitor's
schedules in step with its regions: a new region is due at once, a region taken away loses its
schedule, a changed interval plans the next check from the last one, and a changed target (or
a monitor enabled again) is due at once.

A monitor that is disabled, deleted or moved to another component lets go of what it holds
(`decisions.release`): the component is judged again without it, so the other monitors'
wishes hold it where they want it, and when none is left the status it found before is given
back, if the component still shows what the monitors set. An incident it opened stays open:
whether the service is fine is for a person to say now. Its decided state starts again from
"unknown", so that enabling it later decides afresh.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from components.models import Component
from events.services import (
    Actor,
    actor_fields,
    delete_audited,
    field_values,
    record_audit,
    save_audited,
)

from .decisions import release
from .models import (
    Monitor,
    MonitorKind,
    MonitorSchedule,
    MonitorState,
)
from .scheduling import heartbeat_deadline
from .validation import validate_monitor

# What the checks write while an operator has the form open; a save keeps the stored values.
CHECK_FIELDS = (
    "state",
    "state_since",
    "applied_status",
    "previous_status",
    "incident_id",
    "last_checked_at",
    "last_verdict",
    "last_latency_ms",
    "last_error",
    "last_ping_at",
    "heartbeat_token",
)
# What an operator sets: every field but those and the row's own bookkeeping. The audit entry
# shows these before and after (the heartbeat's token, a secret no operator types, is left out).
MONITOR_FIELDS = tuple(
    field.name
    for field in Monitor._meta.concrete_fields
    if field.attname not in CHECK_FIELDS and field.name not in {"id", "created_at", "updated_at"}
)
# Header values may hold credentials (an Authorization header): the audit log keeps the names.
REDACTED = "(hidden)"


def _snapshot(monitor: Monitor) -> dict[str, Any]:
    values = field_values(monitor, MONITOR_FIELDS)
    headers = values["headers"]
    if isinstance(headers, dict):
        values["headers"] = dict.fromkeys(headers, REDACTED)
    values["timeout_seconds"] = float(values["timeout_seconds"])
    return values


def _settings(monitor: Monitor) -> dict[str, Any]:
    """Everything the operator set, header values included (to see what changed)."""
    return _snapshot(monitor) | {"headers": monitor.headers}


RELEASED = {
    "state": MonitorState.UNKNOWN,
    "applied_status": "",
    "previous_status": "",
    "incident_id": None,
}


@transaction.atomic
def save_monitor(*, monitor: Monitor, actor: Actor) -> bool:
    """Create a monitor, or store the changes already set on it. False when nothing changed.

    Bad settings raise a ValidationError naming the field; the target's host is resolved once
    here, and private addresses refused unless MONITOR_ALLOW_PRIVATE_TARGETS."""
    validate_monitor(monitor, resolve_names=True)
    stored = None
    if not monitor._state.adding:
        stored = _lock(monitor.pk, monitor.component_id)
        if stored is None:
            raise Monitor.DoesNotExist("the monitor was deleted meanwhile")
        # The form's copy of these may be minutes old; a check may have moved them since.
        for field in CHECK_FIELDS:
            setattr(monitor, field, getattr(stored, field))
    before = _settings(stored) if stored else None
    changed = save_audited(monitor, actor=actor, snapshot=_snapshot)
    if not changed and before == _settings(monitor):
        _sync_schedules(monitor, stored)
        return False
    if not changed:
        # Only a header's value changed: audited by name, the value stays out of the log.
        monitor.save()
        record_audit(
            page=monitor.page,
            actor=actor,
            action="update",
            obj=monitor,
            before={"headers": dict.fromkeys(stored.headers if stored else {}, REDACTED)},
            after={"headers": dict.fromkeys(monitor.headers, REDACTED)},
        )
    now = timezone.now()
    released = False
    if stored is not None and stored.enabled and not monitor.enabled:
        released = _release(stored, actor=actor, at=now, reason="Disabled")
    elif stored is not None and stored.component_id != monitor.component_id:
        released = _release(stored, actor=actor, at=now, reason="Moved to another component")
    if released:
        for field, value in (RELEASED | {"state_since": now}).items():
            setattr(monitor, field, value)
    _sync_schedules(monitor, stored, now=now)
    return True


@transaction.atomic
def delete_monitor(*, monitor: Monitor, actor: Actor) -> None:
    """Delete a monitor, its schedules, results and log, after giving back what it holds."""
    stored = _lock(monitor.pk)
    if stored is None:
        return
    _release(stored, actor=actor, at=timezone.now(), reason="Deleted", log=False)
    delete_audited(stored, actor=actor, snapshot=_snapshot)


def _sync_schedules(
    monitor: Monitor, stored: Monitor | None, *, now: datetime | None = None
) -> None:
    """One schedule per region the monitor runs in, planned after what changed."""
    now = now or timezone.now()
    wanted = monitor.region_names
    schedules = {
        s.region: s for s in MonitorSchedule.objects.select_for_update().filter(monitor=monitor)
    }
    gone = [s.pk for region, s in schedules.items() if region not in wanted]
    if gone:
        MonitorSchedule.objects.filter(pk__in=gone).delete()
    missing = [region for region in wanted if region not in schedules]
    # A check is due at once; a heartbeat at its deadline, a period and its grace from now.
    first = heartbeat_deadline(monitor) if monitor.kind == MonitorKind.HEARTBEAT else now
    MonitorSchedule.objects.bulk_create(
        MonitorSchedule(monitor=monitor, region=region, next_due_at=first) for region in missing
    )
    if stored is None:
        return
    kept = MonitorSchedule.objects.filter(monitor=monitor, region__in=list(schedules))
    probe_changed = any(
        getattr(stored, field) != getattr(monitor, field)
        for field in ("kind", "target", "port", "dns_resolver", "dns_record_type")
    )
    if probe_changed or (monitor.enabled and not stored.enabled):
        kept.update(next_due_at=now)
    elif stored.interval_seconds != monitor.interval_seconds:
        last = monitor.last_checked_at or now
        kept.update(next_due_at=last + timedelta(seconds=monitor.interval_seconds))


def _release(
    monitor: Monitor, *, actor: Actor, at: datetime, reason: str, log: bool = True
) -> bool:
    """Let go of the component as `decisions.release` does, and forget the decided state.
    `monitor` is the stored row, locked after its component. False if it held nothing."""
    if monitor.state == MonitorState.UNKNOWN and not monitor.applied_status:
        return False
    component = Component.objects.select_for_update().get(pk=monitor.component_id)
    note = f"{reason} by {actor_fields(actor)['actor_label']}."
    transition = release(monitor, component, at, actor=actor, note=note)
    if not log:
        transition.delete()
    Monitor.objects.filter(pk=monitor.pk).update(**RELEASED, state_since=at)
    MonitorSchedule.objects.filter(monitor=monitor).update(state=MonitorState.UNKNOWN)
    return True


def _lock(monitor_id: int, *also: str | None) -> Monitor | None:
    """The stored monitor, locked after its component (and `also`, the component it moves to):
    a decision locks the component before its monitors, and so does every save here, so that
    the two never wait on each other in a circle."""
    stored_component = Monitor.objects.filter(pk=monitor_id).values_list("component_id", flat=True)
    ids = sorted({i for i in (*stored_component, *also) if i is not None})
    list(Component.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    return Monitor.objects.select_for_update().filter(pk=monitor_id).first()
