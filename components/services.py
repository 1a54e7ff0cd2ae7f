"""Every write to components goes through here."""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from events.models import EventKind
from events.services import Actor, emit_event, record_audit
from pages.models import Page
from statuspage.text import clean_name, clean_optional

from .models import Component, ComponentGroup, ComponentStatus, ComponentStatusChange, StatusCause
from .scope import check_page_scope

EDITABLE_FIELDS = (
    "name",
    "description",
    "group",
    "position",
    "showcase",
    "only_show_if_degraded",
    "start_date",
)


@dataclass(frozen=True)
class Transition:
    """A component's status as an update recorded it (Statuspage's `affected_components`)."""

    code: str
    name: str
    old_status: str
    new_status: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


def validate_status(status: str) -> ComponentStatus:
    try:
        return ComponentStatus(status)
    except ValueError:
        choices = ", ".join(ComponentStatus.values)
        raise ValidationError(
            f"“{status}” is not a component status; use one of {choices}.", code="invalid_status"
        ) from None


def _snapshot(component: Component) -> dict[str, Any]:
    return {
        "name": component.name,
        "description": component.description,
        "group": component.group_id,
        "position": component.position,
        "showcase": component.showcase,
        "only_show_if_degraded": component.only_show_if_degraded,
        "start_date": component.start_date.isoformat() if component.start_date else None,
        "status": component.status,
    }


def _clean_text_changes(changes: dict[str, Any]) -> dict[str, Any]:
    if "name" in changes:
        changes["name"] = clean_name(changes["name"], missing="A name cannot be blank.")
    if "description" in changes:
        changes["description"] = clean_optional(changes["description"], field="description")
    return changes


def _check_group(page: Page, group: ComponentGroup | None) -> None:
    if group is not None:
        message = "That group belongs to another page."
        check_page_scope(page.pk, [group], field="group", message=message)


@transaction.atomic
def create_component(
    *,
    page: Page,
    name: str,
    actor: Actor,
    group: ComponentGroup | None = None,
    description: str = "",
    position: int | None = None,
    showcase: bool = True,
    only_show_if_degraded: bool = False,
    start_date: Any = None,
    status: str = ComponentStatus.OPERATIONAL,
) -> Component:
    _check_group(page, group)
    validate_status(status)
    if position is None:
        siblings = Component.objects.filter(page=page, group=group)
        position = siblings.count() + 1 + (0 if group else page.groups.count())
    component = Component(
        page=page,
        name=clean_name(name, missing="Give the component a name."),
        group=group,
        description=clean_optional(description, field="description"),
        position=position,
        showcase=showcase,
        only_show_if_degraded=only_show_if_degraded,
        start_date=start_date or timezone.localdate(timezone=page.tz),
        status=status,
    )
    component.full_clean()
    component.save()
    record_audit(page=page, actor=actor, action="create", obj=component, after=_snapshot(component))
    emit_event(page=page, kind=EventKind.COMPONENTS_CHANGED, subject=component)
    return component


def _change_component(component: Component, actor: Actor, changes: dict[str, Any]) -> bool:
    """Lock, change and audit one component's attributes; the caller writes the outbox row."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} here.")
    component = Component.objects.select_for_update().get(pk=component.pk)
    before = _snapshot(component)
    if "group" in changes:
        _check_group(component.page, changes["group"])
    changes = _clean_text_changes(changes)
    for field, value in changes.items():
        setattr(component, field, value)
    after = _snapshot(component)
    if after == before:
        return False
    component.full_clean()
    component.save()
    record_audit(
        page=component.page, actor=actor, action="update", obj=component, before=before, after=after
    )
    return True


@transaction.atomic
def update_component(*, component: Component, actor: Actor, **changes: Any) -> bool:
    """Change a component's attributes (not its status). Returns False when nothing changed."""
    if not _change_component(component, actor, changes):
        return False
    emit_event(page=component.page, kind=EventKind.COMPONENTS_CHANGED, subject=component)
    return True


@transaction.atomic
def edit_component(
    *, component: Component, actor: Actor, status: str | None = None, **changes: Any
) -> bool:
    """Change a component's attributes and, if given, its status, as one change.

    A component moved to another group without a position goes to the end of that group.
    One outbox row: the status change when there is one (it is what `component_update`
    webhooks hear of), else the change of attributes. False when nothing changed.
    """
    stored = Component.objects.select_for_update().get(pk=component.pk)
    group = changes.get("group")
    if "group" in changes and group != stored.group and "position" not in changes:
        others = Component.objects.filter(page_id=stored.page_id, group=group)
        changes["position"] = others.exclude(pk=stored.pk).count() + 1
    changed = _change_component(component, actor, changes)
    transitions = (
        record_status_changes(page=component.page, statuses={component: status}, actor=actor)
        if status
        else []
    )
    if transitions:
        emit_status_changes(page=component.page, components=[component], changed=transitions)
    elif changed:
        emit_event(page=component.page, kind=EventKind.COMPONENTS_CHANGED, subject=component)
    return changed or bool(transitions)


@transaction.atomic
def delete_component(*, component: Component, actor: Actor) -> None:
    page = component.page
    record_audit(
        page=page, actor=actor, action="delete", obj=component, before=_snapshot(component)
    )
    emit_event(page=page, kind=EventKind.COMPONENTS_CHANGED, subject=component)
    component.delete()


def apply_status_changes(
    *,
    changes: Mapping[Component, str],
    cause: StatusCause,
    cause_id: str = "",
    at: datetime | None = None,
) -> list[Transition]:
    """Set statuses and keep their history; for other services, inside their transaction.

    Returns one transition per component named, unchanged ones included (old == new), in the
    order given. Writes no outbox row: the calling service describes the whole change in its own.
    """
    at = at or timezone.now()
    wanted = {component.pk: validate_status(status) for component, status in changes.items()}
    locked = {c.pk: c for c in Component.objects.select_for_update().filter(pk__in=list(wanted))}
    transitions = []
    history = []
    for component in changes:
        current = locked.get(component.pk)
        if current is None:
            raise ValidationError(f"Component {component.pk} does not exist.")
        new_status = wanted[component.pk]
        transitions.append(
            Transition(
                code=current.pk,
                name=current.name,
                old_status=current.status,
                new_status=new_status,
            )
        )
        if current.status != new_status:
            history.append(
                ComponentStatusChange(
                    component=current,
                    old_status=current.status,
                    new_status=new_status,
                    changed_at=at,
                    cause=cause,
                    cause_id=cause_id,
                )
            )
            current.status = new_status
            current.save(update_fields=["status", "updated_at"])
            component.status = new_status
    ComponentStatusChange.objects.bulk_create(history)
    return transitions


def record_status_changes(
    *,
    page: Page,
    statuses: Mapping[Component, str],
    actor: Actor,
    cause: StatusCause = StatusCause.MANUAL,
) -> list[Transition]:
    """Set statuses directly and audit each change; for services that describe the whole
    change in their own outbox row, inside their transaction. Returns the changed ones."""
    check_page_scope(page.pk, statuses, field=None)
    transitions = apply_status_changes(changes=statuses, cause=cause)
    changed = [t for t in transitions if t.old_status != t.new_status]
    by_pk = {c.pk: c for c in statuses}
    for t in changed:
        record_audit(
            page=page,
            actor=actor,
            action="set_status",
            obj=by_pk[t.code],
            before={"status": t.old_status},
            after={"status": t.new_status},
        )
    return changed


def emit_status_changes(
    *, page: Page, components: Iterable[Component], changed: list[Transition]
) -> None:
    """The outbox row for statuses set by `record_status_changes`; Statuspage's
    `component_update` webhook is made from it."""
    by_pk = {c.pk: c for c in components}
    emit_event(
        page=page,
        kind=EventKind.COMPONENT_STATUS_CHANGED,
        subject=by_pk[changed[0].code],
        payload={"transitions": [t.as_json() for t in changed]},
    )


@transaction.atomic
def set_component_statuses(
    *,
    page: Page,
    statuses: Mapping[Component, str],
    actor: Actor,
    cause: StatusCause = StatusCause.MANUAL,
) -> list[Transition]:
    """An operator (or, with cause=AUTOMATION, a monitoring hook) sets statuses directly,
    one component or many. No-op when nothing changes."""
    changed = record_status_changes(page=page, statuses=statuses, actor=actor, cause=cause)
    if changed:
        emit_status_changes(page=page, components=statuses, changed=changed)
    return changed


@transaction.atomic
def set_status_across_pages(
    *, components: Iterable[Component], status: str, actor: Actor
) -> list[Transition]:
    """One status for components that may belong to several pages (the admin's bulk action):
    set page by page, one outbox row for each page that changed, all in one transaction."""
    by_page: dict[Page, list[Component]] = {}
    for component in components:
        by_page.setdefault(component.page, []).append(component)
    changed: list[Transition] = []
    for page, members in by_page.items():
        changed += set_component_statuses(
            page=page, statuses=dict.fromkeys(members, status), actor=actor
        )
    return changed


def set_component_status(*, component: Component, status: str, actor: Actor) -> bool:
    return bool(
        set_component_statuses(page=component.page, statuses={component: status}, actor=actor)
    )


def _set_members(group: ComponentGroup, members: list[Component], actor: Actor) -> bool:
    """The group holds `members`, numbered in the order given; its other components go to
    the end of the top level. Each moved component is audited; the caller writes the outbox row."""
    for component in members:
        if component.page_id != group.page_id:
            raise ValidationError({"components": "A component of another page was given."})
    changed = False
    for position, component in enumerate(members, start=1):
        changed |= _change_component(component, actor, {"group": group, "position": position})
    page_components = Component.objects.filter(page_id=group.page_id)
    top_level = page_components.filter(group=None).count() + group.page.groups.count()
    leaving = page_components.filter(group=group).exclude(pk__in=[c.pk for c in members])
    for component in leaving:
        top_level += 1
        changed |= _change_component(component, actor, {"group": None, "position": top_level})
    return changed


@transaction.atomic
def create_group(
    *,
    page: Page,
    name: str,
    actor: Actor,
    description: str = "",
    position: int | None = None,
    components: Iterable[Component] = (),
) -> ComponentGroup:
    """A new group, holding `components` in that order (taken from wherever they were)."""
    if position is None:
        position = page.groups.count() + Component.objects.filter(page=page, group=None).count() + 1
    group = ComponentGroup(
        page=page,
        name=clean_name(name, missing="Give the group a name."),
        description=clean_optional(description, field="description"),
        position=position,
    )
    group.full_clean()
    group.save()
    record_audit(page=page, actor=actor, action="create", obj=group, after={"name": name})
    _set_members(group, list(components), actor)
    emit_event(page=page, kind=EventKind.COMPONENTS_CHANGED, subject=group)
    return group


@transaction.atomic
def update_group(
    *,
    group: ComponentGroup,
    actor: Actor,
    components: Iterable[Component] | None = None,
    **changes: Any,
) -> bool:
    """Change a group's attributes and, given `components`, its members (as in create_group)."""
    unknown = set(changes) - {"name", "description", "position"}
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} here.")
    group = ComponentGroup.objects.select_for_update().get(pk=group.pk)
    before = {f: getattr(group, f) for f in ("name", "description", "position")}
    changes = _clean_text_changes(changes)
    for field, value in changes.items():
        setattr(group, field, value)
    after = {f: getattr(group, f) for f in ("name", "description", "position")}
    changed = before != after
    if changed:
        group.full_clean()
        group.save()
        record_audit(
            page=group.page, actor=actor, action="update", obj=group, before=before, after=after
        )
    if components is not None:
        changed |= _set_members(group, list(components), actor)
    if not changed:
        return False
    emit_event(page=group.page, kind=EventKind.COMPONENTS_CHANGED, subject=group)
    return True


@transaction.atomic
def delete_group(*, group: ComponentGroup, actor: Actor) -> None:
    """Delete a group; its components move to the top level."""
    page = group.page
    record_audit(page=page, actor=actor, action="delete", obj=group, before={"name": group.name})
    emit_event(page=page, kind=EventKind.COMPONENTS_CHANGED, subject=group)
    group.delete()
