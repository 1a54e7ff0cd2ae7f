"""Checks shared by every service that stores text typed by a person or sent to the API, and
the two ways text that comes from outside is made safe instead of refused.

A name is one line: it goes into email headers (Subject, List-Id), where a line break would end
the header and start another, so names refuse every character that breaks or ends a line
anywhere (CR, LF, NEL, the Unicode line and paragraph separators, the other controls). Bodies
are Markdown and keep their line breaks. Neither may hold a lone surrogate, which JSON can
carry but UTF-8, and so PostgreSQL, cannot.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

# NUL cannot be stored by PostgreSQL; the other C0 controls have no business in a status page.
_FORBIDDEN = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"}
# Controls (C0, DEL, C1 with NEL) and the Unicode line and paragraph separators: every character
# that str.splitlines(), a mail client or a terminal may take for the end of a line.
_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAKING_RUNS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _refuse_surrogates(value: str, field: str) -> None:
    if _SURROGATES.search(value):
        raise ValidationError(
            {field: "The text holds an invalid character (a lone UTF-16 surrogate); remove it."}
        )


def _refuse_control_characters(value: str, field: str) -> None:
    _refuse_surrogates(value, field)
    if any(ch in _FORBIDDEN for ch in value):
        raise ValidationError({field: "Remove the control characters (such as NUL) from the text."})


def refuse_line_breaks(value: str, *, field: str = "name") -> None:
    """A one-line value: no line breaks, no control characters, no lone surrogates."""
    _refuse_surrogates(value, field)
    if _LINE_BREAKING.search(value):
        raise ValidationError(
            {
                field: "A name is one line: remove the line breaks and other control characters "
                "(such as NUL or tab) from it."
            }
        )


def clean_name(value: str | None, *, field: str = "name", missing: str) -> str:
    """A required one-line name, stripped."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: missing})
    refuse_line_breaks(value, field=field)
    return value


def clean_optional(value: str | None, *, field: str) -> str:
    """Optional free text (a description), stripped."""
    value = (value or "").strip()
    _refuse_control_characters(value, field)
    return value


def body_validators() -> list[MaxLengthValidator]:
    """The model side of clean_body's length rule, for every Markdown body Beacon stores."""
    return [MaxLengthValidator(settings.MAX_BODY_CHARS)]


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


def one_line(value: str) -> str:
    """Text from outside (an alert's labels), or stored before names were checked, made into one
    safe line: each run of line breaks and controls becomes a space, a lone surrogate U+FFFD."""
    value = _SURROGATES.sub("\ufffd", value)
    return _LINE_BREAKING_RUNS.sub(" ", value).strip()


def plain_text(value: str) -> str:
    """Multi-line text from outside (an alert's summary), made storable: controls other than tab
    and line breaks become spaces, a lone surrogate U+FFFD."""
    value = _SURROGATES.sub("\ufffd", value)
    return _CONTROLS_BUT_LINES.sub(" ", value)
