# mypy: disable-error-code="union-attr"
"""Operators are reminded, by email, of incidents left open (reminder_intervals).

The scheduler runs every minute; these tests give it a fixed `now` and a real SMTP server."""

from datetime import datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from events.models import AuditEntry
from incidents import services, tasks
from incidents.models import Incident
from pages.roles import assign_role
from tests.support.mail import SMTPServer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://beacon.example.com"


@pytest.fixture
def operators(alice, page, other_page):
    """Alice (superuser), a responder and a page admin of the page get reminders; nobody else
    does, not even the team of another page."""
    ravi = User.objects.create_user("ravi", "ravi@example.com", "pw")
    assign_role(ravi, "responder")
    pia = User.objects.create_user("pia", "pia@example.com", "pw")
    assign_role(pia, "admin")
    gone = User.objects.create_user("gone", "gone@example.com", "pw", is_active=False)
    assign_role(gone, "responder")
    silent = User.objects.create_user("silent", "", "pw")
    assign_role(silent, "responder")
    User.objects.create_user("viewer", "viewer@example.com", "pw", is_staff=True)
    elsewhere = User.objects.create_user("elsewhere", "elsewhere@example.com", "pw")
    assign_role(elsewhere, "admin", other_page)
    User.objects.create_user("reader", "reader@example.com", "pw")
    return ["alice@example.com", "pia@example.com", "ravi@example.com"]


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Run the scheduler's step at `now`, sending after commit as in production."""

    def run(now: datetime) -> list[str]:
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_due_reminders(now=now)

    return run


def open_incident(page, **kwargs) -> Incident:
    return services.open_incident(
        page=page, name="Elevated API errors", body="We are investigating.", actor="tests", **kwargs
    )


def at(incident: Incident, hours: float, minutes: int = 0) -> datetime:
    return incident.started_at + timedelta(hours=hours, minutes=minutes)


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def received(smtp: SMTPServer) -> list[tuple[str, Message]]:
    return list(smtp.recorder.accepted)


def test_the_first_reminder_comes_at_three_hours_to_every_operator(smtp, operators, page, remind):
    incident = open_incident(page)

    assert remind(at(incident, 2, 59)) == []
    assert received(smtp) == []

    assert remind(at(incident, 3)) == [incident.pk]

    assert sorted(to for to, _ in received(smtp)) == operators
    _, message = received(smtp)[0]
    assert subject_of(message) == (
        "[Example Status] Reminder: “Elevated API errors” is still investigating"
    )
    assert message["To"] in operators and "," not in message["To"]
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_payload(decode=True).decode()
    assert "The incident “Elevated API errors” on Example Status is still investigating." in text
    assert "(3 h ago)" in text
    assert "Last update:" in text and "none yet" not in text
    admin_url = f"https://beacon.example.com/admin/incidents/incident/{incident.pk}/change/"
    assert f"Post an update: {admin_url}#post-update" in text
    assert f"https://status.example.com/incidents/{incident.pk}" in text
    incident.refresh_from_db()
    assert incident.reminded_hours == [3]
    assert incident.last_reminder_at == at(incident, 3)
    assert AuditEntry.objects.filter(object_id=incident.pk, action="remind").count() == 1


def test_a_reminder_is_sent_once_however_often_the_scheduler_runs(smtp, operators, page, remind):
    incident = open_incident(page)
    updated_at = incident.updated_at

    remind(at(incident, 3))
    assert remind(at(incident, 3)) == []
    assert remind(at(incident, 3, 1)) == []
    assert remind(at(incident, 5, 59)) == []
    assert len(received(smtp)) == len(operators)

    assert remind(at(incident, 6)) == [incident.pk]
    assert len(received(smtp)) == 2 * len(operators)
    incident.refresh_from_db()
    assert incident.reminded_hours == [3, 6]
    # A reminder changes nothing readers see.
    assert incident.updated_at == updated_at


def test_after_the_scheduler_was_down_one_catch_up_reminder_covers_every_hour_missed(
    smtp, operators, page, remind
):
    incident = open_incident(page)

    assert remind(at(incident, 13)) == [incident.pk]

    assert len(received(smtp)) == len(operators)
    incident.refresh_from_db()
    assert incident.reminded_hours == [3, 6, 12]
    assert remind(at(incident, 23)) == []
    assert remind(at(incident, 24)) == [incident.pk]
    assert remind(at(incident, 72)) == []
    assert len(received(smtp)) == 2 * len(operators)


def test_resolving_stops_the_reminders(smtp, operators, page, remind):
    incident = open_incident(page)
    services.resolve_incident(incident=incident, actor="tests")

    assert remind(at(incident, 3)) == []
    assert remind(at(incident, 24)) == []
    assert received(smtp) == []


def test_a_reopened_incident_is_reminded_from_the_hours_still_to_come(
    smtp, operators, page, remind
):
    incident = open_incident(page)
    services.resolve_incident(incident=incident, actor="tests")
    # Resolved for most of a working day, then reopened now.
    Incident.objects.filter(pk=incident.pk).update(started_at=timezone.now() - timedelta(hours=7))
    incident.refresh_from_db()
    services.post_incident_update(
        incident=incident, status="investigating", body="It is back.", actor="tests", reopen=True
    )
    incident.refresh_from_db()
    assert incident.reminded_hours == [3, 6]

    assert remind(at(incident, 7, 30)) == []
    assert remind(at(incident, 12)) == [incident.pk]
    assert len(received(smtp)) == len(operators)


@pytest.mark.parametrize(
    ("intervals", "reminded_at_hours"),
    [
        ("[1, 5]", [1, 5]),
        ("4", [4, 8, 12, 16, 20, 24]),
        ("[24]", [24]),
        ("[]", []),
    ],
)
def test_the_schedule_given_is_the_one_followed(
    smtp, operators, page, remind, intervals, reminded_at_hours
):
    incident = open_incident(page, reminder_intervals=intervals)

    sent_at = [h for h in range(0, 30) if remind(at(incident, h))]

    assert sent_at == reminded_at_hours
    assert len(received(smtp)) == len(reminded_at_hours) * len(operators)


def test_changing_the_schedule_skips_the_hours_already_past(smtp, operators, page, remind):
    incident = open_incident(page)
    Incident.objects.filter(pk=incident.pk).update(
        started_at=timezone.now() - timedelta(hours=5, minutes=30)
    )
    services.change_incident(incident=incident, actor="tests", reminder_intervals="[1, 5, 7]")
    incident.refresh_from_db()

    assert remind(at(incident, 5, 31)) == []
    assert remind(at(incident, 7)) == [incident.pk]
    assert len(received(smtp)) == len(operators)


def test_backfilled_incidents_are_never_reminded(smtp, operators, page, remind):
    incident = services.open_incident(
        page=page,
        name="Old outage",
        body="Happened.",
        actor="tests",
        status="investigating",
        backfilled=True,
    )
    assert remind(at(incident, 3)) == []
    assert received(smtp) == []


def test_an_incident_resolved_before_the_email_goes_out_sends_nothing(
    smtp, operators, page, django_capture_on_commit_callbacks
):
    incident = open_incident(page)
    with django_capture_on_commit_callbacks() as callbacks:
        services.send_due_reminders(now=at(incident, 3))
    services.resolve_incident(incident=incident, actor="tests")
    for callback in callbacks:
        callback()
    assert received(smtp) == []


def test_the_beat_task_sends_the_reminder_of_an_incident_open_for_three_hours(
    smtp, operators, page, settings, django_capture_on_commit_callbacks
):
    assert (
        settings.CELERY_BEAT_SCHEDULE["remind-open-incidents"]["task"]
        == "incidents.tasks.send_incident_reminders"
    )
    incident = open_incident(page)
    Incident.objects.filter(pk=incident.pk).update(
        started_at=timezone.now() - timedelta(hours=3, minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_incident_reminders()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_incident_reminders()

    assert sorted(smtp.recorder.counts().items()) == [(to, 1) for to in operators]
