"""An incident typed in after the fact, its updates back-dated through display_at, reports how
long it really lasted: on its page, in both APIs and in the resolved email."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from events.models import AuditEntry
from incidents.models import Incident
from tests.support.api_client import Http
from tests.support.delivery import deliver_all

PARIS = ZoneInfo("Europe/Paris")
FIRST = datetime(2026, 9, 4, 19, 31, tzinfo=PARIS)
IDENTIFIED = datetime(2026, 9, 4, 20, 15, tzinfo=PARIS)
RESOLVED = datetime(2026, 9, 5, 2, 0, tzinfo=PARIS)


def newest_update_id(reply) -> str:
    return reply.json["incident_updates"][0]["id"]


def set_display_at(operator: Http, path: str, update_id: str, at: datetime) -> None:
    reply = operator.patch(
        f"{path}/incident_updates/{update_id}",
        {"incident_update": {"display_at": at.isoformat()}},
    )
    assert reply.status == 200, reply.raw
    assert datetime.fromisoformat(reply.json["display_at"]) == at


def email_text(message) -> str:
    return message.get_payload()[0].get_payload(decode=True).decode()


def test_the_issues_incident_entered_through_v1_lasted_six_and_a_half_hours(
    operator,
    base,
    live_server,
    smtp,
    subscribe,
):
    subscribe("ana@example.org")
    opened = operator.post(
        f"{base}/incidents",
        {"incident": {"name": "Login failures", "status": "investigating", "body": "Looking."}},
    )
    assert opened.status == 201, opened.raw
    path = f"{base}/incidents/{opened.json['id']}"
    set_display_at(operator, path, newest_update_id(opened), FIRST)
    identified = operator.patch(
        path, {"incident": {"status": "identified", "body": "A bad certificate."}}
    )
    set_display_at(operator, path, newest_update_id(identified), IDENTIFIED)
    resolved = operator.patch(path, {"incident": {"status": "resolved", "body": "Renewed."}})
    set_display_at(operator, path, newest_update_id(resolved), RESOLVED)

    shown = operator.get(path).json
    assert datetime.fromisoformat(shown["started_at"]) == FIRST
    assert datetime.fromisoformat(shown["resolved_at"]) == RESOLVED

    public = Http(live_server.url, None)
    html = public.get(f"/incidents/{opened.json['id']}").raw.decode()
    assert "Lasted 6h 29m" in html
    assert "less than a minute" not in html

    v2 = public.get("/api/v2/incidents.json").json["incidents"][0]
    # Contract: timestamps in the page's zone with its offset.
    assert v2["started_at"] == "2026-09-04T19:31:00.000+02:00"
    assert v2["resolved_at"] == "2026-09-05T02:00:00.000+02:00"
    assert v2["incident_updates"][-1]["display_at"] == "2026-09-04T19:31:00.000+02:00"

    deliver_all()
    messages = smtp.recorder.messages_to("ana@example.org")
    resolved_mail = [m for m in messages if m["Subject"].startswith("[Example Status] Resolved")]
    assert len(resolved_mail) == 1
    assert "Lasted 6h 29m" in email_text(resolved_mail[0])

    incident = Incident.objects.get(pk=opened.json["id"])
    last_edit = AuditEntry.objects.filter(action="edit_update").order_by("id").last()
    assert last_edit is not None and last_edit.after is not None
    assert datetime.fromisoformat(last_edit.after["incident"]["resolved_at"]) == RESOLVED
    assert incident.resolved_at == RESOLVED


def test_display_at_given_with_the_status_sends_the_right_duration_at_once(
    operator,
    base,
    smtp,
    subscribe,
):
    subscribe("ana@example.org")
    opened = operator.post(
        f"{base}/incidents",
        {"incident": {"name": "Login failures", "body": "Looking.", "display_at": str(FIRST)}},
    )
    assert datetime.fromisoformat(opened.json["started_at"]) == FIRST
    path = f"{base}/incidents/{opened.json['id']}"
    resolved = operator.patch(
        path, {"incident": {"status": "resolved", "display_at": RESOLVED.isoformat()}}
    )
    assert datetime.fromisoformat(resolved.json["resolved_at"]) == RESOLVED

    deliver_all()  # before any later edit: the email is right the first time

    texts = [email_text(m) for m in smtp.recorder.messages_to("ana@example.org")]
    assert "Lasted 6h 29m" in texts[-1]
    assert not any("Lasted" in text for text in texts[:-1])


@pytest.mark.django_db
def test_a_start_back_dated_on_purpose_before_every_update_stays(page, operator, base):
    early = datetime(2026, 9, 4, 19, 0, tzinfo=PARIS)
    opened = operator.post(f"{base}/incidents", {"incident": {"name": "Errors", "body": "Hm."}})
    path = f"{base}/incidents/{opened.json['id']}"
    set_display_at(operator, path, newest_update_id(opened), FIRST)
    incident = Incident.objects.get(pk=opened.json["id"])
    from incidents.services import change_incident

    change_incident(incident=incident, actor="tests", started_at=early)
    set_display_at(operator, path, newest_update_id(opened), IDENTIFIED)
    assert datetime.fromisoformat(operator.get(path).json["started_at"]) == early
