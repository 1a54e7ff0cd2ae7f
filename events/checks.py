"""A deploy check: every consumer the outbox nudges after commit can be imported."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.utils.module_loading import import_string


def check_outbox_consumers(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for path in settings.OUTBOX_CONSUMERS:
        try:
            consumer = import_string(path)
        except ImportError as error:
            errors.append(
                Error(
                    f"OUTBOX_CONSUMERS names {path!r}, which cannot be imported: {error}",
                    id="events.E001",
                )
            )
            continue
        if not callable(consumer):
            errors.append(
                Error(
                    f"OUTBOX_CONSUMERS names {path!r}, which is not a function.", id="events.E001"
                )
            )
    return errors
