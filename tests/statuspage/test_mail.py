"""Subjects are written in templates, as the bodies are, and leave as one line of the names
as typed: not HTML-escaped, and folded where a stored name holds a line break."""

from types import SimpleNamespace

from pages.models import Page
from statuspage.mail import render_subject


def test_a_notification_subject_keeps_the_names_as_typed_on_one_line():
    page = Page(name="Tom & Jerry <Status>")
    context = {"page": page, "heading": "Major outage", "name": "API\r\nBcc: x@example.org"}

    subject = render_subject("emails/notification_subject.txt", context)

    assert subject == "[Tom & Jerry <Status>] Major outage: API Bcc: x@example.org"


def test_the_confirmation_subject_names_the_incident_only_for_an_incident_subscriber():
    page = Page(name="Example Status")
    incident = SimpleNamespace(name="Slow “API”")

    assert (
        render_subject("emails/confirm_subject.txt", {"page": page, "incident": None})
        == "[Example Status] Confirm your subscription"
    )
    assert (
        render_subject("emails/confirm_subject.txt", {"page": page, "incident": incident})
        == "[Example Status] Confirm your subscription to “Slow “API””"
    )
