"""The outbox events a call writes, as the consumers (snapshot publisher, fan-out) read them."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Max

from events.models import OutboxEvent


@contextmanager
def captured_events() -> Iterator[list[OutboxEvent]]:
    """The outbox rows written inside the block, oldest first (filled in when it ends).

    Read back from the table rather than by wrapping `emit_event`, so an event written any
    other way is caught too; a block that raises leaves the list empty."""
    last = OutboxEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    events: list[OutboxEvent] = []
    yield events
    events.extend(OutboxEvent.objects.filter(pk__gt=last).order_by("pk"))


def as_read(event: OutboxEvent) -> dict[str, Any]:
    """The fields a consumer reads: what happened, to what, whether to tell people, and the
    payload (which update, which transitions)."""
    return {
        "kind": event.kind,
        "subject": (event.subject_type, event.subject_id),
        "notify": event.notify,
        "payload": event.payload,
    }


def read(events: list[OutboxEvent]) -> list[dict[str, Any]]:
    return [as_read(event) for event in events]


def emitted(call: Callable[[], object]) -> list[str]:
    """The kinds of the outbox events `call()` writes, in order."""
    with captured_events() as events:
        call()
    return [event.kind for event in events]
