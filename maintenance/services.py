"""Every write to scheduled maintenance goes through here, including the scheduler's."""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from components.models import Component, ComponentStatus, StatusCause
from components.scope import check_page_scope
from components.services import (
    Transition,
    apply_status_changes,
    emit_status_changes,
    record_status_changes,
)
from events.models import EventKind
from events.services import Actor, actor_fields, emit_event, record_audit
from pages.models import Page
from statuspage.text import clean_body, clean_name
from updates import services as posted
from updates.services import (
    StoryChange,
    StoryDetails,
    UpdateEdit,
    edit_posted_update,
)

from .models import ACTIVE, OPEN, Maintenance, MaintenanceStatus, MaintenanceUpdate

SCHEDULER = "scheduler"


class Unset:
    """Marks an argument that was not given, where None is a meaningful value."""


UNSET = Unset()
SCHEDULED_TEXT = "Scheduled maintenance."
STARTED_TEXT = (
    "Scheduled maintenance is currently in progress. We will provide updates as necessary."
)
VERIFYING_TEXT = "Maintenance work is done and we are verifying the results."
COMPLETED_TEXT = "The scheduled maintenance has been completed."
CANCELLED_TEXT = "This scheduled maintenance has been cancelled."

# What an update says when the operator wrote nothing.
DEFAULT_BODIES: dict[str, str] = {
    MaintenanceStatus.SCHEDULED: SCHEDULED_TEXT,
    MaintenanceStatus.IN_PROGRESS: STARTED_TEXT,
    MaintenanceStatus.VERIFYING: VERIFYING_TEXT,
    MaintenanceStatus.COMPLETED: COMPLETED_TEXT,
}

# Allowed moves; an update may also repeat the current status (an informational update).
NEXT_STATUSES = {
    MaintenanceStatus.SCHEDULED: {MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.COMPLETED},
    MaintenanceStatus.IN_PROGRESS: {MaintenanceStatus.VERIFYING, MaintenanceStatus.COMPLETED},
    MaintenanceStatus.VERIFYING: {MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.COMPLETED},
    MaintenanceStatus.COMPLETED: set(),
}

EVENT_OF_STATUS = {
    MaintenanceStatus.IN_PROGRESS: EventKind.MAINTENANCE_STARTED,
    MaintenanceStatus.COMPLETED: EventKind.MAINTENANCE_COMPLETED,
}


def _validate_window(scheduled_for: datetime | None, scheduled_until: datetime | None) -> None:
    if scheduled_for is None or scheduled_until is None:
        raise ValidationError({"scheduled_for": "Give the window a start and an end."})
    if scheduled_until <= scheduled_for:
        raise ValidationError({"scheduled_until": "The maintenance must end after it starts."})


def _snapshot(m: Maintenance) -> dict[str, Any]:
    return {
        "name": m.name,
        "status": m.status,
        "scheduled_for": m.scheduled_for.isoformat(),
        "scheduled_until": m.scheduled_until.isoformat(),
        "auto_start": m.auto_start,
        "auto_complete": m.auto_complete,
        "set_components_under_maintenance": m.set_components_under_maintenance,
        "remind_minutes_before": m.remind_minutes_before,
        "cancelled": m.cancelled_at is not None,
    }


def _unchanged(components: Iterable[Component]) -> list[dict[str, str]]:
    return [Transition(c.pk, c.name, c.status, c.status).as_json() for c in components]


@transaction.atomic
def schedule_maintenance(
    *,
    page: Page,
    name: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    actor: Actor,
    body: str = "",
    status: str = MaintenanceStatus.SCHEDULED,
    components: Iterable[Component] = (),
    auto_start: bool = True,
    auto_complete: bool = True,
    set_components_under_maintenance: bool = True,
    remind_minutes_before: int | None = None,
    deliver_notifications: bool = True,
    metadata: dict[str, Any] | None = None,
) -> Maintenance:
    """Announce a maintenance window. A blank `body` says "Scheduled maintenance.".

    Given a later `status` (entered once the work began, or after it), the maintenance is
    scheduled and then moved on with that status's default text, written as one outbox row:
    the later status's, which is what subscribers hear of.
    """
    name = clean_name(name, missing="Give the maintenance a name.")
    _validate_window(scheduled_for, scheduled_until)
    body = clean_body(body or SCHEDULED_TEXT)
    components = list(components)
    check_page_scope(page.pk, components)
    if remind_minutes_before is not None and remind_minutes_before <= 0:
        raise ValidationError(
            {"remind_minutes_before": "Remind a positive number of minutes before."}
        )
    maintenance = Maintenance(
        page=page,
        name=name,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        auto_start=auto_start,
        auto_complete=auto_complete,
        set_components_under_maintenance=set_components_under_maintenance,
        remind_minutes_before=remind_minutes_before,
        metadata={} if metadata is None else metadata,
    )
    maintenance.full_clean(exclude=["components"])
    maintenance.save()
    maintenance.components.set(components)
    update = MaintenanceUpdate.objects.create(
        maintenance=maintenance,
        status=MaintenanceStatus.SCHEDULED,
        body=body,
        display_at=timezone.now(),
        affected_components=_unchanged(components) or None,
        deliver_notifications=deliver_notifications,
        created_by=actor_fields(actor)["actor"],
    )
    record_audit(
        page=page,
        actor=actor,
        action="schedule",
        obj=maintenance,
        after=_snapshot(maintenance) | {"metadata": maintenance.metadata},
    )
    kind = EventKind.MAINTENANCE_SCHEDULED
    if status != MaintenanceStatus.SCHEDULED:
        text = DEFAULT_BODIES.get(status, "")
        update, kind = _post_update(
            maintenance, status, text, actor=actor, deliver_notifications=deliver_notifications
        )
    posted.emit_update(maintenance, update, kind)
    return maintenance


def _change(
    m: Maintenance,
    *,
    actor: Actor,
    name: str | None,
    scheduled_for: datetime | None,
    scheduled_until: datetime | None,
    components: Iterable[Component] | None,
    auto_start: bool | None,
    auto_complete: bool | None,
    set_components_under_maintenance: bool | None,
    remind_minutes_before: int | Unset | None,
    metadata: dict[str, Any] | None,
) -> tuple[bool, bool]:
    """Change and audit a locked maintenance; (changed, rescheduled). The caller writes the
    outbox row."""
    before = _snapshot(m) | {
        "components": sorted(m.components.values_list("pk", flat=True)),
        "metadata": m.metadata,
    }
    if metadata is not None:
        m.metadata = metadata
    only_metadata = all(
        value is None
        for value in (name, scheduled_for, scheduled_until, components, auto_start, auto_complete)
    ) and (set_components_under_maintenance is None and isinstance(remind_minutes_before, Unset))
    if m.status == MaintenanceStatus.COMPLETED and not only_metadata:
        raise ValidationError("This maintenance is over and can no longer be changed.")
    if name is not None:
        m.name = clean_name(name, missing="Give the maintenance a name.")
    window_before = (m.scheduled_for, m.scheduled_until)
    if scheduled_for is not None:
        m.scheduled_for = scheduled_for
    if scheduled_until is not None:
        m.scheduled_until = scheduled_until
    _validate_window(m.scheduled_for, m.scheduled_until)
    for field, value in (
        ("auto_start", auto_start),
        ("auto_complete", auto_complete),
        ("set_components_under_maintenance", set_components_under_maintenance),
    ):
        if value is not None:
            setattr(m, field, value)
    if not isinstance(remind_minutes_before, Unset):
        if remind_minutes_before is not None and remind_minutes_before <= 0:
            raise ValidationError(
                {"remind_minutes_before": "Remind a positive number of minutes before."}
            )
        m.remind_minutes_before = remind_minutes_before
    if components is not None:
        components = list(components)
        check_page_scope(m.page_id, components)
    after = _snapshot(m) | {
        "components": sorted(c.pk for c in components)
        if components is not None
        else before["components"],
        "metadata": m.metadata,
    }
    if before == after:
        return False, False
    rescheduled = (m.scheduled_for, m.scheduled_until) != window_before
    if rescheduled:
        m.sequence += 1
        if m.status == MaintenanceStatus.SCHEDULED and m.scheduled_for > timezone.now():
            m.reminded_at = None
    m.full_clean(exclude=["components"])
    m.save()
    if components is not None:
        m.components.set(components)
    record_audit(page=m.page, actor=actor, action="change", obj=m, before=before, after=after)
    return True, rescheduled


class MaintenanceChanges(StoryDetails, total=False):
    """What change_maintenance may change besides the details every story has; a
    `remind_minutes_before` of None stops the reminder."""

    scheduled_for: datetime | None
    scheduled_until: datetime | None
    auto_start: bool | None
    auto_complete: bool | None
    set_components_under_maintenance: bool | None
    remind_minutes_before: int | Unset | None


def _emit_change(m: Maintenance, rescheduled: bool) -> None:
    emit_event(
        page=m.page,
        kind=EventKind.MAINTENANCE_RESCHEDULED if rescheduled else EventKind.MAINTENANCE_UPDATED,
        subject=m,
        notify=rescheduled,
    )


@transaction.atomic
def revise_maintenance(
    *,
    maintenance: Maintenance,
    actor: Actor,
    component_statuses: Mapping[Component, str] | None = None,
    status: str | None = None,
    body: str | None = None,
    deliver_notifications: bool = True,
    **changes: Any,
) -> bool:
    """Change a maintenance, post an update and set component statuses, in one change
    written as one outbox row (Statuspage's PATCH of an incident, for maintenance).

    `changes` as in change_maintenance. A `status` or a `body` posts an update: the status
    stays as it is when not given, and a blank body is the status's default text. The
    outbox row is the update's when there is one, else the status change's, else the
    change's. False when nothing changed.
    """
    m = Maintenance.objects.select_for_update().select_related("page").get(pk=maintenance.pk)
    details = {
        "name": None,
        "scheduled_for": None,
        "scheduled_until": None,
        "components": None,
        "auto_start": None,
        "auto_complete": None,
        "set_components_under_maintenance": None,
        "remind_minutes_before": UNSET,
        "metadata": None,
    }
    unknown = set(changes) - set(details)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} here.")
    changed, rescheduled = _change(m, actor=actor, **(details | changes))
    update, kind = None, EventKind.MAINTENANCE_UPDATED
    if status or body is not None:
        new_status = status or m.status
        text = body or DEFAULT_BODIES.get(new_status, "")
        update, kind = _post_update(
            m, new_status, text, actor=actor, deliver_notifications=deliver_notifications
        )
    statuses = component_statuses or {}
    transitions = record_status_changes(page=m.page, statuses=statuses, actor=actor)
    if update is not None:
        posted.emit_update(m, update, kind)
    elif transitions:
        emit_status_changes(page=m.page, components=statuses, changed=transitions)
    elif changed:
        _emit_change(m, rescheduled)
    return changed or update is not None or bool(transitions)


@transaction.atomic
def change_maintenance(
    *, maintenance: Maintenance, actor: Actor, **changes: Unpack[MaintenanceChanges]
) -> bool:
    """Edit or reschedule. Moving the window raises the calendar sequence. A given
    `metadata` replaces the stored object, even once the maintenance is over."""
    return revise_maintenance(maintenance=maintenance, actor=actor, **changes)


def _enter_window(m: Maintenance, at: datetime) -> list[Transition]:
    components = list(m.components.all())
    if not m.set_components_under_maintenance or not components:
        return [Transition(**t) for t in _unchanged(components)]
    m.restore_statuses = {c.pk: c.status for c in components} | m.restore_statuses
    return apply_status_changes(
        changes=dict.fromkeys(components, ComponentStatus.UNDER_MAINTENANCE),
        cause=StatusCause.MAINTENANCE,
        cause_id=m.pk,
        at=at,
    )


def _leave_window(m: Maintenance, at: datetime) -> list[Transition]:
    # Only components still under maintenance are restored: an incident may have moved one.
    components = Component.objects.filter(
        pk__in=list(m.restore_statuses), status=ComponentStatus.UNDER_MAINTENANCE
    )
    transitions = apply_status_changes(
        changes={c: m.restore_statuses[c.pk] for c in components},
        cause=StatusCause.MAINTENANCE,
        cause_id=m.pk,
        at=at,
    )
    m.restore_statuses = {}
    return transitions


def _post_update(
    m: Maintenance,
    status: str,
    body: str,
    /,
    *,
    actor: Actor,
    deliver_notifications: bool,
    at: datetime | None = None,
) -> tuple[MaintenanceUpdate, EventKind]:
    """Record and audit an update on a locked maintenance; the caller writes the outbox row
    of the returned kind."""
    try:
        new_status = MaintenanceStatus(status)
    except ValueError:
        choices = ", ".join(MaintenanceStatus.values)
        raise ValidationError(
            {"status": f"“{status}” is not a maintenance status; use one of {choices}."}
        ) from None
    current = MaintenanceStatus(m.status)
    if current == MaintenanceStatus.COMPLETED:
        raise ValidationError("This maintenance is completed; it takes no more updates.")
    if new_status != current and new_status not in NEXT_STATUSES[current]:
        raise ValidationError(
            {
                "status": f"A maintenance cannot go from {current.label.lower()} "
                f"to {new_status.label.lower()}."
            }
        )
    body = clean_body(body)
    at = at or timezone.now()
    before = _snapshot(m)
    transitions: list[Transition] = []
    if new_status != current:
        if new_status == MaintenanceStatus.IN_PROGRESS and current == MaintenanceStatus.SCHEDULED:
            m.started_at = at
            transitions = _enter_window(m, at)
        elif new_status == MaintenanceStatus.VERIFYING:
            m.monitoring_at = m.monitoring_at or at
        elif new_status == MaintenanceStatus.COMPLETED:
            m.resolved_at = at
            transitions = _leave_window(m, at)
        m.status = new_status
    m.save()
    update = posted.create_update(
        MaintenanceUpdate, m, new_status, body, at, transitions, deliver_notifications, actor
    )
    after = _snapshot(m) | {"update_id": update.pk}
    record_audit(page=m.page, actor=actor, action="post_update", obj=m, before=before, after=after)
    kind = (
        EVENT_OF_STATUS.get(new_status, EventKind.MAINTENANCE_UPDATED)
        if new_status != current
        else EventKind.MAINTENANCE_UPDATED
    )
    return update, kind


@transaction.atomic
def post_maintenance_update(
    *,
    maintenance: Maintenance,
    status: str,
    body: str,
    actor: Actor,
    deliver_notifications: bool = True,
    at: datetime | None = None,
) -> MaintenanceUpdate:
    m = Maintenance.objects.select_for_update().select_related("page").get(pk=maintenance.pk)
    update, kind = _post_update(
        m, status, body, actor=actor, deliver_notifications=deliver_notifications, at=at
    )
    posted.emit_update(m, update, kind)
    return update


@transaction.atomic
def cancel_maintenance(
    *, maintenance: Maintenance, actor: Actor, body: str = CANCELLED_TEXT, notify: bool = True
) -> Maintenance:
    m = Maintenance.objects.select_for_update().select_related("page").get(pk=maintenance.pk)
    if m.status != MaintenanceStatus.SCHEDULED or m.cancelled_at:
        raise ValidationError("Only maintenance that has not started can be cancelled.")
    body = clean_body(body)
    now = timezone.now()
    m.cancelled_at = now
    m.resolved_at = now
    m.status = MaintenanceStatus.COMPLETED
    m.sequence += 1
    m.save()
    MaintenanceUpdate.objects.create(
        maintenance=m,
        status=MaintenanceStatus.COMPLETED,
        body=body,
        display_at=now,
        deliver_notifications=notify,
        created_by=actor_fields(actor)["actor"],
    )
    record_audit(page=m.page, actor=actor, action="cancel", obj=m, after=_snapshot(m))
    emit_event(page=m.page, kind=EventKind.MAINTENANCE_CANCELLED, subject=m, notify=notify)
    return m


@transaction.atomic
def edit_maintenance_update(
    *, update: MaintenanceUpdate, actor: Actor, **edit: Unpack[UpdateEdit]
) -> bool:
    update = (
        MaintenanceUpdate.objects.select_for_update()
        .select_related("maintenance__page")
        .get(pk=update.pk)
    )
    m = update.maintenance

    def touch() -> StoryChange:
        m.save(update_fields=["updated_at"])
        return {}, {}

    return edit_posted_update(update, m, EventKind.MAINTENANCE_UPDATED, touch, actor=actor, **edit)


@transaction.atomic
def delete_maintenance(*, maintenance: Maintenance, actor: Actor) -> None:
    m = maintenance
    if m.status in ACTIVE:
        raise ValidationError("Complete the maintenance before deleting it.")
    record_audit(page=m.page, actor=actor, action="delete", obj=m, before=_snapshot(m))
    emit_event(
        page=m.page, kind=EventKind.MAINTENANCE_CANCELLED, subject=m, payload={"deleted": True}
    )
    m.delete()


# Scheduled work. Each function locks the rows it acts on and re-checks their state, so running
# it twice, or in two schedulers at once, changes nothing the second time.


# A late scheduler dates its updates at most this far back.
BACKDATE_LIMIT = timedelta(minutes=5)
SCHEDULED_TEXTS: dict[str, str] = {
    MaintenanceStatus.IN_PROGRESS: STARTED_TEXT,
    MaintenanceStatus.COMPLETED: COMPLETED_TEXT,
}


def _each_claimed(
    pks: Iterable[str], act: Callable[[Maintenance], None], **still: Any
) -> list[str]:
    """`act` on each maintenance of `pks`, each in its own transaction and locked, if it is
    not cancelled and `still` as its query found it; a maintenance another scheduler holds, or
    that has moved on, is passed over. The pks acted on."""
    done = []
    for pk in pks:
        with transaction.atomic():
            m = (
                Maintenance.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, cancelled_at__isnull=True, **still)
                .first()
            )
            if m is None:
                continue
            act(m)
            done.append(pk)
    return done


def _post_scheduled(m: Maintenance, status: str, at: datetime) -> None:
    post_maintenance_update(
        maintenance=m, status=status, body=SCHEDULED_TEXTS[status], actor=SCHEDULER, at=at
    )


def start_due_maintenance(*, now: datetime | None = None) -> list[str]:
    now = now or timezone.now()
    due = Maintenance.objects.live().filter(
        auto_start=True,
        status=MaintenanceStatus.SCHEDULED,
        scheduled_for__lte=now,
        scheduled_until__gt=now,
    )

    def start(m: Maintenance) -> None:
        _post_scheduled(
            m, MaintenanceStatus.IN_PROGRESS, max(m.scheduled_for, now - BACKDATE_LIMIT)
        )

    return _each_claimed(
        due.values_list("pk", flat=True), start, status=MaintenanceStatus.SCHEDULED
    )


def complete_due_maintenance(*, now: datetime | None = None) -> list[str]:
    now = now or timezone.now()
    due = Maintenance.objects.live().filter(
        auto_complete=True, status__in=ACTIVE, scheduled_until__lte=now
    )
    # A window that opened and closed while the scheduler was away is started, then completed.
    missed = Maintenance.objects.live().filter(
        auto_start=True,
        auto_complete=True,
        status=MaintenanceStatus.SCHEDULED,
        scheduled_until__lte=now,
    )

    def complete(m: Maintenance) -> None:
        if m.status == MaintenanceStatus.SCHEDULED:
            _post_scheduled(m, MaintenanceStatus.IN_PROGRESS, m.scheduled_for)
        _post_scheduled(
            m, MaintenanceStatus.COMPLETED, max(m.scheduled_until, now - BACKDATE_LIMIT)
        )

    pks = list(missed.values_list("pk", flat=True)) + list(due.values_list("pk", flat=True))
    return _each_claimed(pks, complete, status__in=OPEN)


def send_due_reminders(*, now: datetime | None = None) -> list[str]:
    """Write one reminder event per maintenance, N minutes before it starts."""
    now = now or timezone.now()
    reminded = []
    candidates = Maintenance.objects.live().filter(
        status=MaintenanceStatus.SCHEDULED,
        remind_minutes_before__isnull=False,
        reminded_at__isnull=True,
        scheduled_for__gt=now,
    )
    for m in candidates:
        assert m.remind_minutes_before is not None
        if m.scheduled_for - timedelta(minutes=m.remind_minutes_before) > now:
            continue
        with transaction.atomic():
            locked = (
                Maintenance.objects.select_for_update(skip_locked=True)
                .filter(pk=m.pk, reminded_at__isnull=True)
                .select_related("page")
                .first()
            )
            if locked is None:
                continue
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at", "updated_at"])
            record_audit(page=locked.page, actor=SCHEDULER, action="remind", obj=locked)
            emit_event(
                page=locked.page, kind=EventKind.MAINTENANCE_REMINDER, subject=locked, notify=True
            )
            reminded.append(m.pk)
    return reminded


def run_scheduled_maintenance(*, now: datetime | None = None) -> dict[str, list[str]]:
    now = now or timezone.now()
    return {
        "reminded": send_due_reminders(now=now),
        "started": start_due_maintenance(now=now),
        "completed": complete_due_maintenance(now=now),
    }
