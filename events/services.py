"""Every write to the outbox and the audit log.

Domain services call `emit_event` and `record_audit` inside their transaction; the outbox's
consumers record what they did with `mark_published` and `mark_fanned_out`. Once an event's
transaction commits, `nudge` tells each consumer named in settings.OUTBOX_CONSUMERS.
"""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import AccountAction, AuditEntry, EventKind, OutboxEvent

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser | str | None


def actor_fields(actor: Actor) -> dict[str, Any]:
    if actor is None:
        return {"actor": None, "actor_label": "system"}
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor}
    if not actor.is_authenticated:
        return {"actor": None, "actor_label": "anonymous"}
    return {"actor": actor, "actor_label": actor.get_username()}


def record_audit(
    *,
    page: Any,
    actor: Actor,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        page=page,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        **actor_fields(actor),
    )


def record_account_audit(
    *,
    action: AccountAction,
    user: AbstractBaseUser | None,
    actor: Actor,
    username: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """An installation-wide entry about an operator's account: `user` when known, otherwise
    the `username` as typed (a failed sign-in). `details` are plain JSON values and never hold
    a password or a code."""
    label = user.get_username() if user is not None else username
    return AuditEntry.objects.create(
        page=None,
        action=action,
        object_type="user",
        object_id=str(user.pk) if user is not None else "",
        object_repr=label[:200],
        after=details or None,
        **actor_fields(actor),
    )


def save_audited(
    obj: Any, /, *, actor: Actor, snapshot: Callable[[Any], dict[str, Any]], page: Any = None
) -> bool:
    """Create `obj`, or store the changes already set on it, auditing its `snapshot` before
    and after. False (and nothing written) when the snapshot is unchanged. Runs inside the
    caller's transaction, which it locks the stored row in. The audit entry belongs to `page`,
    or to the object's own page when None; emitting an outbox event is the caller's choice."""
    stored = None
    if not obj._state.adding:
        stored = type(obj).objects.select_for_update().filter(pk=obj.pk).first()
    before = snapshot(stored) if stored else None
    obj.full_clean()
    after = snapshot(obj)
    if before == after:
        return False
    obj.save()
    record_audit(
        page=obj.page if page is None else page,
        actor=actor,
        action="update" if before else "create",
        obj=obj,
        before=before,
        after=after,
    )
    return True


def field_values(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    """The named fields of `obj` as an audit snapshot keeps them: a foreign key by its id."""
    return {name: getattr(obj, obj._meta.get_field(name).attname) for name in names}


def delete_audited(obj: Any, /, *, actor: Actor, snapshot: Callable[[Any], dict[str, Any]]) -> None:
    """Delete `obj`, auditing its `snapshot` on the object's own page; emitting an outbox
    event is the caller's choice."""
    record_audit(page=obj.page, actor=actor, action="delete", obj=obj, before=snapshot(obj))
    obj.delete()


def emit_event(
    *,
    page: Any,
    kind: EventKind,
    subject: Any,
    notify: bool = False,
    payload: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Write an outbox row and, once the transaction commits, nudge its consumers (`nudge`)."""
    event = OutboxEvent.objects.create(
        page=page,
        kind=kind,
        subject_type=subject._meta.model_name,
        subject_id=str(subject.pk),
        notify=notify,
        payload=payload or {},
    )
    transaction.on_commit(lambda: nudge(event.pk))
    return event


def nudge(event_id: int) -> None:
    """Best effort: tell each of settings.OUTBOX_CONSUMERS there is new work (events/checks.py
    checks that each can be imported). A consumer must not wait, on the broker say: the outbox
    row is the record, and each consumer's own sweep finds what a nudge missed."""
    for path in settings.OUTBOX_CONSUMERS:
        try:
            import_string(path)(event_id)
        except Exception:  # the broker may be down; the outbox row is the record
            logger.warning("could not nudge %s for event %s", path, event_id, exc_info=True)


def mark_published(*, page_ids: Iterable[str], up_to: int) -> None:
    """The snapshot publisher has rendered these pages' documents for events up to `up_to`."""
    OutboxEvent.objects.filter(
        published_at__isnull=True, id__lte=up_to, page_id__in=list(page_ids)
    ).update(published_at=timezone.now())


def mark_fanned_out(*, event: OutboxEvent) -> None:
    """The event's notifications are in delivery rows (or none were due). Called inside the
    fan-out's transaction, which holds the event's row locked."""
    event.fanned_out_at = timezone.now()
    event.save(update_fields=["fanned_out_at"])
