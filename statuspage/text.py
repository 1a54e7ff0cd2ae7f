"""Checks shared by every service that stores text typed by a person or sent to the API."""

from django.conf import settings
from django.core.exceptions import ValidationError

# NUL cannot be stored by PostgreSQL; the other C0 controls have no business in a status page.
_FORBIDDEN = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"}


def _refuse_control_characters(value: str, field: str) -> None:
    if any(ch in _FORBIDDEN for ch in value):
        raise ValidationError({field: "Remove the control characters (such as NUL) from the text."})


def clean_name(value: str | None, *, field: str = "name", missing: str) -> str:
    """A required one-line name, stripped."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: missing})
    _refuse_control_characters(value, field)
    return value


def clean_optional(value: str | None, *, field: str) -> str:
    """Optional free text (a description), stripped."""
    value = (value or "").strip()
    _refuse_control_characters(value, field)
    return value


def clean_body(value: str | None, *, field: str = "body") -> str:
    """A required Markdown message, stripped and within MAX_BODY_CHARS."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: "Write a message for this update."})
    if len(value) > settings.MAX_BODY_CHARS:
        raise ValidationError(
            {
                field: f"The message is {len(value)} characters; "
                f"the limit is {settings.MAX_BODY_CHARS}."
            }
        )
    _refuse_control_characters(value, field)
    return value
