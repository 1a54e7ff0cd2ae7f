"""Every write to incidents, their updates, postmortems and templates goes through here."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from components.models import Component, ComponentStatus, ComponentStatusChange, StatusCause
from components.scope import check_page_scope
from components.services import (
    Transition,
    apply_status_changes,
    emit_status_changes,
    record_status_changes,
    validate_status,
)
from events.models import EventKind
from events.services import (
    Actor,
    delete_audited,
    emit_event,
    record_audit,
    save_audited,
)
from pages.models import Page
from statuspage.text import clean_body, clean_name
from updates.services import (
    StoryChange,
    StoryDetails,
    UpdateEdit,
    create_update,
    edit_posted_update,
    emit_update,
)

from .models import (
    IMPACT_ORDER,
    UNRESOLVED,
    UPDATE_STATUSES,
    Impact,
    Incident,
    IncidentStatus,
    IncidentTemplate,
    IncidentUpdate,
    Postmortem,
    normalise_reminder_intervals,
)

SCHEDULER = "scheduler"

# What an update says when the operator wrote nothing (Statuspage's own texts).
DEFAULT_BODIES = {
    IncidentStatus.INVESTIGATING: "We are currently investigating this issue.",
    IncidentStatus.IDENTIFIED: "The issue has been identified and a fix is being implemented.",
    IncidentStatus.MONITORING: "A fix has been implemented and we are monitoring the results.",
    IncidentStatus.RESOLVED: "This incident has been resolved.",
}


def default_body(status: str) -> str:
    return DEFAULT_BODIES.get(IncidentStatus(status), "Update.")


IMPACT_OF_STATUS = {
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
}


def impact_of(statuses: Iterable[str]) -> Impact:
    """The impact components in these statuses amount to (Statuspage's rule)."""
    impacts = [IMPACT_OF_STATUS.get(ComponentStatus(s), Impact.NONE) for s in statuses]
    return max(impacts, key=IMPACT_ORDER.__getitem__, default=Impact.NONE)


def _worse(a: str, b: str) -> Impact:
    return max(Impact(a), Impact(b), key=IMPACT_ORDER.__getitem__)


def _validate_update_status(status: str) -> IncidentStatus:
    if status not in UPDATE_STATUSES:
        choices = ", ".join(UPDATE_STATUSES)
        raise ValidationError(
            {"status": f"“{status}” is not an incident status; use one of {choices}."}
        )
    return IncidentStatus(status)


def _validate_impact(impact: str) -> str:
    if impact and impact not in Impact.values:
        raise ValidationError({"impact_override": f"“{impact}” is not an impact."})
    return impact


def _snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "name": incident.name,
        "status": incident.status,
        "impact": incident.impact,
        "impact_override": incident.impact_override,
        "started_at": incident.started_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
    }


def _audited(incident: Incident, component_ids: list[str] | None = None) -> dict[str, Any]:
    """What the audit log keeps of an incident on open and change: its story, what the API
    keeps on it besides, and its components (`component_ids`, when they are about to change)."""
    if component_ids is None:
        component_ids = sorted(incident.components.values_list("pk", flat=True))
    return _snapshot(incident) | {
        "metadata": incident.metadata,
        "reminder_intervals": incident.reminder_intervals,
        "components": component_ids,
    }


def _clean_intervals(value: str | None) -> str:
    """The stored form of a reminder schedule; "" for the default hours."""
    try:
        return normalise_reminder_intervals(value) or ""
    except ValidationError as error:
        raise ValidationError({"reminder_intervals": error.messages}) from None


def _skip_passed_reminders(incident: Incident, now: datetime) -> None:
    """Reminder hours already past when the schedule starts to apply (on opening a back-dated
    incident, changing the schedule or the start, reopening) are skipped, not sent late."""
    passed = incident.passed_reminder_hours(now)
    incident.reminded_hours = sorted({*(incident.reminded_hours or []), *passed})


def _follow_displayed_timeline(incident: Incident, *, earliest_before: datetime | None) -> None:
    """Keep the incident's start, monitoring and resolution times on the timeline its updates
    display, which the duration on the page and in the emails is computed from.

    Updates are back-dated (or corrected) through their `display_at`, so without this an
    incident typed in after the fact "lasted less than a minute". The start follows the earliest
    displayed update when it was tracking it (it was that update's time before the change) or
    when an update now shows an earlier time; a start back-dated on purpose before every update
    stays. `monitoring_at` is the earliest monitoring update's time, and `resolved_at` the time
    shown on the update that resolved the incident (the last resolved one, should it have been
    reopened), as Statuspage's API reports them.
    """
    updates = list(
        incident.updates.order_by("created_at", "pk").values_list("status", "display_at")
    )
    if not updates:
        return
    earliest = min(at for _, at in updates)
    if earliest < incident.started_at or incident.started_at == earliest_before:
        incident.started_at = earliest
    monitoring = [at for status, at in updates if status == IncidentStatus.MONITORING]
    if incident.monitoring_at is not None and monitoring:
        incident.monitoring_at = min(monitoring)
    resolving = [at for status, at in updates if status == IncidentStatus.RESOLVED]
    if incident.is_resolved and resolving:
        incident.resolved_at = resolving[-1]


def _earliest_display(incident: Incident) -> datetime | None:
    return incident.updates.order_by("display_at").values_list("display_at", flat=True).first()


def _record_update(
    *,
    incident: Incident,
    status: IncidentStatus,
    body: str,
    actor: Actor,
    component_statuses: Mapping[Component, str],
    deliver_notifications: bool,
    display_at: datetime,
) -> tuple[IncidentUpdate, list[Transition]]:
    check_page_scope(incident.page_id, component_statuses)
    earliest_before = _earliest_display(incident)
    for new_status in component_statuses.values():
        validate_status(new_status)
    if incident.backfilled:
        # History entered after the fact never moves today's component statuses.
        transitions = [
            Transition(c.pk, c.name, c.status, ComponentStatus(s))
            for c, s in component_statuses.items()
        ]
    else:
        transitions = apply_status_changes(
            changes=component_statuses, cause=StatusCause.INCIDENT, cause_id=incident.pk
        )
    if component_statuses:
        incident.components.add(*component_statuses)
    incident.impact = _worse(incident.impact, impact_of(t.new_status for t in transitions))
    if status == IncidentStatus.MONITORING and incident.monitoring_at is None:
        incident.monitoring_at = display_at
    if status == IncidentStatus.RESOLVED:
        incident.resolved_at = display_at
    incident.status = status
    notify = deliver_notifications and not incident.backfilled
    update = create_update(
        IncidentUpdate, incident, status, body, display_at, transitions, notify, actor
    )
    started_at = incident.started_at
    _follow_displayed_timeline(incident, earliest_before=earliest_before)
    if incident.started_at != started_at:
        _skip_passed_reminders(incident, timezone.now())
    incident.save()
    return update, transitions


def _start_of(page: Page, started_at: datetime | date | None) -> datetime | None:
    """A start given as a day alone is noon of that day in the page's time zone: the middle
    of the day, so it shows as that day in every zone near the page's."""
    if started_at is None or isinstance(started_at, datetime):
        return started_at
    return datetime.combine(started_at, time(12), tzinfo=page.tz)


@transaction.atomic
def open_incident(
    *,
    page: Page,
    name: str,
    actor: Actor,
    body: str = "",
    status: str = IncidentStatus.INVESTIGATING,
    component_statuses: Mapping[Component, str] | None = None,
    components: Iterable[Component] = (),
    impact_override: str = "",
    started_at: datetime | date | None = None,
    display_at: datetime | None = None,
    deliver_notifications: bool = True,
    backfilled: bool = False,
    metadata: dict[str, Any] | None = None,
    reminder_intervals: str | None = None,
) -> Incident:
    """Declare an incident with its first update. A backfilled one notifies nobody.

    `components` are affected besides those whose status the update sets; a blank `body` is
    the status's default text; a start given as a day is noon of it in the page's zone.
    `reminder_intervals` as in `normalise_reminder_intervals` (None: the default hours).
    """
    name = clean_name(name, missing="Give the incident a name.")
    update_status = _validate_update_status(status)
    body = clean_body(body or default_body(update_status))
    components = list(components)
    check_page_scope(page.pk, components)
    started_at = _start_of(page, started_at)
    now = timezone.now()
    if started_at and started_at > now:
        raise ValidationError({"started_at": "An incident cannot start in the future."})
    display_at = display_at or started_at or now
    incident = Incident(
        page=page,
        name=name,
        status=update_status,
        impact_override=_validate_impact(impact_override),
        started_at=started_at or now,
        backfilled=backfilled,
        metadata={} if metadata is None else metadata,
        reminder_intervals=_clean_intervals(reminder_intervals),
    )
    _skip_passed_reminders(incident, now)
    incident.full_clean(exclude=["components"])
    incident.save()
    update, _ = _record_update(
        incident=incident,
        status=update_status,
        body=body,
        actor=actor,
        component_statuses=component_statuses or {},
        deliver_notifications=deliver_notifications,
        display_at=display_at,
    )
    if components:
        incident.components.add(*components)
    record_audit(
        page=page,
        actor=actor,
        action="open",
        obj=incident,
        after=_audited(incident),
    )
    emit_update(incident, update, EventKind.INCIDENT_OPENED)
    return incident


@transaction.atomic
def backfill_incident(
    *,
    page: Page,
    name: str,
    actor: Actor,
    body: str = "",
    component_statuses: Mapping[Component, str] | None = None,
    started_at: datetime | date | None = None,
    **details: Any,
) -> Incident:
    """Enter a past incident after the fact: it is resolved, notifies nobody and leaves
    today's component statuses alone. `details` as in open_incident."""
    if component_statuses:
        raise ValidationError({"components": "a backfilled incident cannot change components."})
    return open_incident(
        page=page,
        name=name,
        actor=actor,
        body=body,
        status=IncidentStatus.RESOLVED,
        started_at=started_at,
        backfilled=True,
        **details,
    )


def _post_update(
    incident: Incident,
    *,
    status: str,
    body: str,
    actor: Actor,
    component_statuses: Mapping[Component, str],
    deliver_notifications: bool,
    display_at: datetime | None,
    reopen: bool,
) -> tuple[IncidentUpdate, EventKind]:
    """Record and audit an update on a locked incident; the caller writes the outbox row."""
    update_status = _validate_update_status(status)
    body = clean_body(body)
    if incident.is_resolved:
        if not reopen:
            raise ValidationError(
                "This incident is resolved. Reopen it to post another update.", code="resolved"
            )
        if update_status not in UNRESOLVED:
            raise ValidationError({"status": "Reopening needs an unresolved status."})
        incident.resolved_at = None
        # Reminders carry on from the hours still to come.
        _skip_passed_reminders(incident, display_at or timezone.now())
    before = _snapshot(incident)
    update, _ = _record_update(
        incident=incident,
        status=update_status,
        body=body,
        actor=actor,
        component_statuses=component_statuses,
        deliver_notifications=deliver_notifications,
        display_at=display_at or timezone.now(),
    )
    record_audit(
        page=incident.page,
        actor=actor,
        action="reopen" if reopen else "post_update",
        obj=incident,
        before=before,
        after=_snapshot(incident) | {"update_id": update.pk},
    )
    resolved = update_status == IncidentStatus.RESOLVED
    return update, EventKind.INCIDENT_RESOLVED if resolved else EventKind.INCIDENT_UPDATED


@transaction.atomic
def post_incident_update(
    *,
    incident: Incident,
    status: str,
    body: str,
    actor: Actor,
    component_statuses: Mapping[Component, str] | None = None,
    deliver_notifications: bool = True,
    display_at: datetime | None = None,
    reopen: bool = False,
) -> IncidentUpdate:
    """Post an update: new status, message and component statuses together.

    A resolved incident only takes an update when the operator reopens it on purpose.
    """
    incident = Incident.objects.select_for_update().select_related("page").get(pk=incident.pk)
    update, kind = _post_update(
        incident,
        status=status,
        body=body,
        actor=actor,
        component_statuses=component_statuses or {},
        deliver_notifications=deliver_notifications,
        display_at=display_at,
        reopen=reopen,
    )
    emit_update(incident, update, kind)
    return update


def resolve_incident(
    *,
    incident: Incident,
    actor: Actor,
    body: str = "This incident has been resolved.",
    restore_components: bool = True,
    deliver_notifications: bool = True,
) -> IncidentUpdate:
    """Resolve, by default setting the incident's components back to operational."""
    statuses = (
        dict.fromkeys(incident.components.all(), ComponentStatus.OPERATIONAL)
        if restore_components
        else {}
    )
    return post_incident_update(
        incident=incident,
        status=IncidentStatus.RESOLVED,
        body=body,
        actor=actor,
        component_statuses=statuses,
        deliver_notifications=deliver_notifications,
    )


@transaction.atomic
def edit_incident_update(
    *, update: IncidentUpdate, actor: Actor, **edit: Unpack[UpdateEdit]
) -> bool:
    """Correct an update's text or time. A changed text is marked "edited" publicly; a changed
    time moves the incident's start or resolution with it (_follow_displayed_timeline)."""
    incident = (
        Incident.objects.select_for_update().select_related("page").get(pk=update.incident_id)
    )
    update = IncidentUpdate.objects.select_for_update().get(pk=update.pk)
    earliest_before = _earliest_display(incident)

    def follow_timeline() -> StoryChange:
        timeline_before = _snapshot(incident)
        _follow_displayed_timeline(incident, earliest_before=earliest_before)
        timeline_after = _snapshot(incident)
        if timeline_after["started_at"] != timeline_before["started_at"]:
            _skip_passed_reminders(incident, timezone.now())
        incident.save()
        if timeline_after == timeline_before:
            return {}, {}
        return {"incident": timeline_before}, {"incident": timeline_after}

    return edit_posted_update(
        update, incident, EventKind.INCIDENT_UPDATE_EDITED, follow_timeline, actor=actor, **edit
    )


class IncidentDetails(StoryDetails, total=False):
    """What change_incident may change besides the details every story has."""

    impact_override: str | None
    started_at: datetime | None
    reminder_intervals: str | None


def _change_details(
    incident: Incident, *, actor: Actor, **details: Unpack[IncidentDetails]
) -> bool:
    """Change and audit a locked incident's details; the caller writes the outbox row."""
    unknown = details.keys() - IncidentDetails.__optional_keys__
    if unknown:
        raise TypeError(f"unexpected incident details: {', '.join(sorted(unknown))}")
    name, components = details.get("name"), details.get("components")
    impact_override, started_at = details.get("impact_override"), details.get("started_at")
    metadata, reminder_intervals = details.get("metadata"), details.get("reminder_intervals")
    before = _audited(incident)
    if name is not None:
        incident.name = clean_name(name, missing="Give the incident a name.")
    if impact_override is not None:
        incident.impact_override = _validate_impact(impact_override)
    if started_at is not None:
        if started_at > timezone.now():
            raise ValidationError({"started_at": "An incident cannot start in the future."})
        incident.started_at = started_at
    if metadata is not None:
        incident.metadata = metadata
    if reminder_intervals is not None:
        incident.reminder_intervals = _clean_intervals(reminder_intervals)
    if components is not None:
        components = list(components)
        check_page_scope(incident.page_id, components)
    after = _audited(
        incident,
        before["components"] if components is None else sorted(c.pk for c in components),
    )
    if before == after:
        return False
    if (after["started_at"], after["reminder_intervals"]) != (
        before["started_at"],
        before["reminder_intervals"],
    ):
        _skip_passed_reminders(incident, timezone.now())
    incident.full_clean(exclude=["components"])
    incident.save()
    if components is not None:
        incident.components.set(components)
    record_audit(
        page=incident.page, actor=actor, action="change", obj=incident, before=before, after=after
    )
    return True


@transaction.atomic
def record_backfilled_statuses(
    *,
    incident: Incident,
    component_statuses: Mapping[Component, str],
    at: datetime,
    actor: Actor,
) -> list[Transition]:
    """Put the component statuses of a backfilled incident into their history, at the time
    they happened, so the uptime bars show the outage. Its updates never move statuses (see
    `_record_update`); this does, so history is entered oldest first and ends where the
    components stand today. Notifies nobody. No-op when no status changes.
    """
    incident = Incident.objects.select_for_update().select_related("page").get(pk=incident.pk)
    if not incident.backfilled:
        raise ValidationError("Only a backfilled incident's statuses are recorded afterwards.")
    if at > timezone.now():
        raise ValidationError({"at": "Statuses cannot be recorded in the future."})
    check_page_scope(incident.page_id, component_statuses)
    if ComponentStatusChange.objects.filter(
        component__in=list(component_statuses), changed_at__gt=at
    ).exists():
        raise ValidationError({"at": "A later status of these components is already recorded."})
    transitions = apply_status_changes(
        changes=component_statuses, cause=StatusCause.INCIDENT, cause_id=incident.pk, at=at
    )
    changed = [t for t in transitions if t.old_status != t.new_status]
    if not changed:
        return []
    record_audit(
        page=incident.page,
        actor=actor,
        action="record_statuses",
        obj=incident,
        after={"at": at.isoformat(), "transitions": [t.as_json() for t in changed]},
    )
    # Not component.status_changed: that one reaches webhook endpoints, and history is news
    # to nobody. The page is published again for its uptime bars.
    emit_event(page=incident.page, kind=EventKind.INCIDENT_CHANGED, subject=incident)
    return changed


def change_incident(
    *, incident: Incident, actor: Actor, **details: Unpack[IncidentDetails]
) -> bool:
    """Change an incident's details (not its status: that takes an update).

    None leaves a detail as it is; `metadata` replaces the stored object; `reminder_intervals`
    "" goes back to the default hours.
    """
    return revise_incident(incident=incident, actor=actor, **details)


@transaction.atomic
def revise_incident(
    *,
    incident: Incident,
    actor: Actor,
    status: str | None = None,
    body: str | None = None,
    component_statuses: Mapping[Component, str] | None = None,
    deliver_notifications: bool = True,
    display_at: datetime | None = None,
    **details: Unpack[IncidentDetails],
) -> bool:
    """Change an incident's details, post an update and set component statuses, in one
    change written as one outbox row (Statuspage's PATCH of an incident).

    Details as in change_incident. A `status` or a `body` posts an update: the status stays
    as it is when not given, a blank body is the status's default text, and an unresolved
    status on a resolved incident reopens it. Component statuses go with the update when
    there is one, else they are set directly. False when nothing changed.
    """
    incident = Incident.objects.select_for_update().select_related("page").get(pk=incident.pk)
    changed = _change_details(incident, actor=actor, **details)
    statuses = component_statuses or {}
    if status or body is not None:
        current = IncidentStatus.RESOLVED if incident.is_resolved else incident.status
        new_status = _validate_update_status(status or current)
        update, kind = _post_update(
            incident,
            status=new_status,
            body=body or default_body(new_status),
            actor=actor,
            component_statuses=statuses,
            deliver_notifications=deliver_notifications,
            display_at=display_at,
            reopen=incident.is_resolved and new_status in UNRESOLVED,
        )
        emit_update(incident, update, kind)
        return True
    transitions = record_status_changes(page=incident.page, statuses=statuses, actor=actor)
    if transitions:
        # The row `component_update` webhooks are made from; the details are audited above.
        emit_status_changes(page=incident.page, components=statuses, changed=transitions)
    elif changed:
        emit_event(page=incident.page, kind=EventKind.INCIDENT_CHANGED, subject=incident)
    return changed or bool(transitions)


@transaction.atomic
def save_postmortem(*, incident: Incident, body: str, actor: Actor) -> Postmortem:
    """Write or revise the postmortem text. Publishing is a separate step."""
    body = clean_body(body)
    postmortem, created = Postmortem.objects.select_for_update().get_or_create(
        incident=incident, defaults={"body": body}
    )
    if not created and postmortem.body != body:
        before = {"body": postmortem.body}
        postmortem.body = body
        postmortem.save()
        record_audit(
            page=incident.page,
            actor=actor,
            action="edit_postmortem",
            obj=incident,
            before=before,
            after={"body": body},
        )
        if postmortem.is_published:
            Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
            emit_event(page=incident.page, kind=EventKind.INCIDENT_CHANGED, subject=incident)
    elif created:
        record_audit(
            page=incident.page,
            actor=actor,
            action="draft_postmortem",
            obj=incident,
            after={"body": body},
        )
    return postmortem


@transaction.atomic
def publish_postmortem(
    *, incident: Incident, actor: Actor, body: str | None = None, notify: bool = True
) -> Postmortem:
    incident = Incident.objects.select_for_update().select_related("page").get(pk=incident.pk)
    if not incident.is_resolved:
        raise ValidationError("Resolve the incident before publishing its postmortem.")
    if body is not None:
        save_postmortem(incident=incident, body=body, actor=actor)
    try:
        postmortem = Postmortem.objects.select_for_update().get(incident=incident)
    except Postmortem.DoesNotExist:
        raise ValidationError("Write the postmortem before publishing it.") from None
    if postmortem.is_published:
        return postmortem
    postmortem.published_at = timezone.now()
    postmortem.save()
    incident.status = IncidentStatus.POSTMORTEM
    incident.save()
    record_audit(
        page=incident.page,
        actor=actor,
        action="publish_postmortem",
        obj=incident,
        after={"published_at": postmortem.published_at.isoformat()},
    )
    emit_event(
        page=incident.page,
        kind=EventKind.POSTMORTEM_PUBLISHED,
        subject=incident,
        notify=notify and not incident.backfilled,
    )
    return postmortem


@transaction.atomic
def delete_incident(*, incident: Incident, actor: Actor) -> None:
    page = incident.page
    record_audit(page=page, actor=actor, action="delete", obj=incident, before=_snapshot(incident))
    emit_event(
        page=page, kind=EventKind.INCIDENT_CHANGED, subject=incident, payload={"deleted": True}
    )
    incident.delete()


@transaction.atomic
def unpublish_postmortem(*, incident: Incident, actor: Actor) -> bool:
    """Take a published postmortem back to a draft; the incident reads as resolved again."""
    incident = Incident.objects.select_for_update().select_related("page").get(pk=incident.pk)
    postmortem = Postmortem.objects.select_for_update().filter(incident=incident).first()
    if postmortem is None or not postmortem.is_published:
        return False
    postmortem.published_at = None
    postmortem.save()
    if incident.status == IncidentStatus.POSTMORTEM:
        incident.status = IncidentStatus.RESOLVED
    incident.save()
    record_audit(page=incident.page, actor=actor, action="unpublish_postmortem", obj=incident)
    emit_event(page=incident.page, kind=EventKind.INCIDENT_CHANGED, subject=incident)
    return True


@transaction.atomic
def delete_postmortem(*, incident: Incident, actor: Actor) -> bool:
    unpublish_postmortem(incident=incident, actor=actor)
    deleted, _ = Postmortem.objects.filter(incident=incident).delete()
    if deleted:
        record_audit(page=incident.page, actor=actor, action="delete_postmortem", obj=incident)
    return bool(deleted)


@transaction.atomic
def save_incident_template(*, template: IncidentTemplate, actor: Actor) -> bool:
    """Create a template, or store the changes already set on it. False when nothing changed.

    Templates are only read in the admin, so this writes no outbox row: nothing public changes.
    """
    return save_audited(template, actor=actor, snapshot=_template_snapshot)


def _template_snapshot(template: IncidentTemplate) -> dict[str, Any]:
    return {field: getattr(template, field) for field in ("name", "title", "status", "body")}


@transaction.atomic
def delete_incident_template(*, template: IncidentTemplate, actor: Actor) -> None:
    delete_audited(template, actor=actor, snapshot=_template_snapshot)


def send_due_reminders(*, now: datetime | None = None) -> list[str]:
    """Remind the operators of open incidents whose reminder hours have come.

    However many of an incident's hours are overdue (the scheduler was down), it gets one
    reminder and all of them are marked done. Each incident is claimed under a row lock and
    the email goes out after commit, so two runs, or two workers, never send one twice.
    """
    from .reminders import send_reminder

    now = now or timezone.now()
    candidates = (
        Incident.objects.unresolved()
        .filter(backfilled=False, started_at__lte=now - timedelta(hours=1))
        .exclude(reminder_intervals="[]")
        .only("pk", "started_at", "reminder_intervals", "reminded_hours")
    )
    reminded = []
    for candidate in candidates:
        if not candidate.due_reminder_hours(now):
            continue
        with transaction.atomic():
            incident = (
                Incident.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("page")
                .filter(pk=candidate.pk, status__in=UNRESOLVED)
                .first()
            )
            if incident is None:
                continue  # resolved meanwhile, or another worker holds it
            due = incident.due_reminder_hours(now)
            if not due:
                continue
            incident.reminded_hours = sorted({*incident.reminded_hours, *due})
            incident.last_reminder_at = now
            # Not `updated_at`: a reminder changes nothing readers see.
            incident.save(update_fields=["reminded_hours", "last_reminder_at"])
            record_audit(
                page=incident.page,
                actor=SCHEDULER,
                action="remind",
                obj=incident,
                after={"hours": due},
            )
            transaction.on_commit(partial(send_reminder, incident.pk, now=now))
            reminded.append(incident.pk)
    return reminded
