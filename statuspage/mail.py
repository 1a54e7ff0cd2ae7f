"""Every email header Beacon writes goes through here, so no text can end a header early.

Names are refused at input when they hold a line break (statuspage.text), but rows stored before
that check, and values from settings, still reach headers. A CR or LF there would start a new
header, or with a blank line replace the body; Django's own message path refuses such a value,
so the send would fail on every retry. Here each value is folded onto one line instead (line
breaks and controls become spaces), and the message goes out with that.
"""

import email.header
from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string

from .text import one_line


def header_value(value: str) -> str:
    """A header value as one safe line, for Django's EmailMessage (subject, extra headers)."""
    return one_line(value)


def render_subject(template_name: str, context: Mapping[str, Any]) -> str:
    """A Subject written in a template, as the bodies are, rendered as one safe line (the
    template's own final line break included)."""
    return header_value(render_to_string(template_name, context))


def header_values(headers: Mapping[str, str]) -> dict[str, str]:
    return {one_line(name): one_line(value) for name, value in headers.items()}


def header_line(name: str, value: str) -> str:
    """`Name: value` for a message assembled by hand, RFC 2047-encoded when not plain ASCII.

    Folding, when the encoded words exceed RFC 5322's 998 characters, uses CRLF and a space,
    as SMTP needs; the check at the end is the last guard against a bare line break.
    """
    value = one_line(value)
    if not value.isascii():
        value = email.header.Header(value, "utf-8", maxlinelen=998, header_name=name).encode(
            linesep="\r\n"
        )
    line = f"{name}: {value}"
    if "\n" in line.replace("\r\n ", "") or "\r" in line.replace("\r\n ", ""):
        raise ValueError(f"The {name} header would hold a line break.")
    return line
