"""Writing outbox and audit rows. Called by domain services inside their transaction."""

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from .models import AuditEntry, EventKind, OutboxEvent

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


def emit_event(
    *,
    page: Any,
    kind: EventKind,
    subject: Any,
    notify: bool = False,
    payload: dict[str, Any] | None = None,
) -> OutboxEvent:
    """Write an outbox row and nudge the background work once the transaction commits."""
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
    """Best effort: tell the workers there is new work. The sweeper finds it otherwise."""
    from .tasks import nudge_hooks

    for hook in nudge_hooks:
        try:
            hook(event_id)
        except Exception:  # the broker may be down; the outbox row is the record
            logger.warning("could not nudge background work for event %s", event_id, exc_info=True)
