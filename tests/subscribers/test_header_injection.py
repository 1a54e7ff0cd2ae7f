"""Names stored before they had to be one line (put in here through the database) cannot break
an email's headers: each message is read as the bytes a real SMTP server received, and has no
injected header, its own body, and a subject with the line breaks folded into spaces."""

import email
import email.policy
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents import services as incidents
from incidents.models import Incident
from incidents.reminders import send_reminder
from pages.models import Page
from subscribers import services, tasks
from subscribers.messages import build
from subscribers.models import Delivery, DeliveryStatus, Subscriber
from subscribers.transports import email_message
from tests.support.delivery import deliver_all

HOSTILE_INCIDENT = (
    "Outage\r\nBcc: victim@example.org\nX-Lf: 1\rX-Cr: 1\u2028X-Ls: 1\x85X-Nel: 1"
    "\r\n\r\nForged body"
)
HOSTILE_PAGE = "Example Status\r\nX-Injected: yes\r\n\r\nForged"
SAFE_INCIDENT = "Outage Bcc: victim@example.org X-Lf: 1 X-Cr: 1 X-Ls: 1 X-Nel: 1 Forged body"
INJECTED = ("Bcc", "X-Lf", "X-Cr", "X-Ls", "X-Nel", "X-Injected")


def stored_hostile_names(page: Page, incident: Incident) -> None:
    """As a row saved before names were checked would be."""
    Incident.objects.filter(pk=incident.pk).update(name=HOSTILE_INCIDENT)
    Page.objects.filter(pk=page.pk).update(name=HOSTILE_PAGE)


def read(raw: bytes) -> email.message.EmailMessage:
    # Every line ends in CRLF: no bare CR or LF that one client reads as a break and another not.
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    for line in head.split("\r\n"):
        assert line[:1] in (" ", "\t") or ":" in line, line
        assert not line.startswith(INJECTED), line
    message = email.message_from_bytes(raw, policy=email.policy.SMTP)
    for name in INJECTED:
        assert message[name] is None
    return message


def subject(message) -> str:
    # Parsed with a modern policy, the header is already decoded from its RFC 2047 words; the
    # email package's folding can leave a doubled space where it broke the line.
    return " ".join(str(message["Subject"]).split())


def test_a_notification_about_a_stored_hostile_name_has_only_its_own_headers_and_body(
    smtp, page, subscribe
):
    subscribe("ana@example.org")
    incident = incidents.open_incident(
        page=page, name="Outage", body="We are investigating the errors.", actor="tests"
    )
    stored_hostile_names(page, incident)
    deliver_all()

    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert set(smtp.recorder.counts()) == {"ana@example.org"}
    [raw] = smtp.recorder.raw_to("ana@example.org")
    message = read(raw)
    assert (
        subject(message)
        == f"[Example Status X-Injected: yes Forged] Investigating: {SAFE_INCIDENT}"
    )
    assert message["List-Id"].endswith(f"<{page.pk}.beacon>")
    assert str(message["List-Id"]).startswith("Example Status X-Injected: yes Forged <")
    assert message["To"] == "ana@example.org"
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in message.iter_parts())
    assert "We are investigating the errors." in text
    assert "We are investigating the errors." in html
    assert not text.startswith("Forged body")


def test_a_long_name_in_another_script_is_folded_with_crlf(smtp, page, subscribe):
    subscribe("ana@example.org")
    name = "決済システムの障害" * 28  # 252 characters, far past 998 once encoded
    incident = incidents.open_incident(page=page, name=name, body="Looking.", actor="tests")
    Incident.objects.filter(pk=incident.pk).update(name=name[:-1] + "\n")
    deliver_all()

    [raw] = smtp.recorder.raw_to("ana@example.org")
    message = read(raw)
    assert subject(message).replace(" ", "").endswith(name[:-1])


def test_the_providers_path_builds_the_same_safe_headers(settings, page, subscribe):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    ana = subscribe("ana@example.org")
    incident = incidents.open_incident(page=page, name="Outage", body="Looking.", actor="tests")
    stored_hostile_names(page, incident)
    ana = Subscriber.objects.select_related("page").get(pk=ana.pk)
    from events.models import OutboxEvent

    message = build(OutboxEvent.objects.get(kind="incident.opened"))
    assert message is not None
    built = email_message(message, ana)
    built.send()
    [sent] = mail.outbox
    read(sent.message().as_bytes(policy=email.policy.SMTP))
    assert sent.subject == f"[Example Status X-Injected: yes Forged] Investigating: {SAFE_INCIDENT}"


def test_the_confirmation_to_a_hostile_incidents_subscriber_is_sent_once_not_retried(smtp, page):
    incident = incidents.open_incident(page=page, name="Outage", body="Looking.", actor="tests")
    follower = services.add_incident_subscriber(
        incident=incident, email="follower@example.org", actor="tests"
    )
    stored_hostile_names(page, incident)

    tasks.send_confirmation(follower.pk)

    [raw] = smtp.recorder.raw_to("follower@example.org")
    message = read(raw)
    assert subject(message) == (
        f"[Example Status X-Injected: yes Forged] Confirm your subscription to “{SAFE_INCIDENT}”"
    )
    text = next(message.iter_parts()).get_content()
    assert "Confirm: https://status.example.com/subscriptions/confirm/" in text
    follower.refresh_from_db()
    assert follower.confirmation_due is False  # sent, so the sweeper does not send it again
    assert follower.pk not in services.sweep().confirmations


@pytest.fixture
def reminded_smtp(smtp, settings):
    settings.SITE_URL = "https://beacon.example.com"
    return smtp


def test_the_operators_reminder_of_a_hostile_incident_is_safe(reminded_smtp, page, alice):
    incident = incidents.open_incident(
        page=page, name="Outage", body="Looking.", actor="tests", reminder_intervals="[1]"
    )
    stored_hostile_names(page, incident)

    assert send_reminder(incident.pk, now=timezone.now() + timedelta(hours=1)) == 1

    [raw] = reminded_smtp.recorder.raw_to("alice@example.com")
    message = read(raw)
    assert subject(message) == (
        f"[Example Status X-Injected: yes Forged] Reminder: “{SAFE_INCIDENT}” "
        "is still investigating"
    )
    body = message.get_content()
    assert "https://beacon.example.com/admin/incidents/incident/" in body
