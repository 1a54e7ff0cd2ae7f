"""Names are one line: a line break, another control character or a lone surrogate in a name is
refused with a clear error wherever the name is typed (the services, so the admin and the
operator API too), while bodies keep their line breaks."""

import json
from datetime import timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from components import services as components
from incidents import services as incidents
from incidents.models import Incident, IncidentTemplate
from maintenance import services as maintenance
from pages.models import Page
from pages.services import save_page

pytestmark = pytest.mark.django_db

BAD = {
    "CR": "Outage\rBcc: victim@example.org",
    "LF": "Outage\nBcc: victim@example.org",
    "CRLF and a blank line": "Outage\r\n\r\nForged body",
    "NEL": "Outage\x85Bcc: victim@example.org",
    "line separator": "Outage\u2028Bcc: victim@example.org",
    "paragraph separator": "Outage\u2029Bcc: victim@example.org",
    "tab": "Out\tage",
    "NUL": "Out\x00age",
    "DEL": "Out\x7fage",
    "escape": "Out\x1b[31mage",
    "lone surrogate": "Out\ud800age",
}


def refused(call) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    message = " ".join(caught.value.messages)
    assert "control characters" in message or "surrogate" in message
    return message


@pytest.mark.parametrize("name", BAD.values(), ids=BAD.keys())
def test_every_service_that_takes_a_name_refuses_one_that_is_not_one_line(
    page, api, core, alice, name
):
    now = timezone.now()
    incident = incidents.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    upgrade = maintenance.schedule_maintenance(
        page=page,
        name="Upgrade",
        body="Upgrading.",
        scheduled_for=now + timedelta(hours=1),
        scheduled_until=now + timedelta(hours=2),
        actor=alice,
    )
    calls = [
        lambda: incidents.open_incident(page=page, name=name, body="Looking.", actor=alice),
        lambda: incidents.change_incident(incident=incident, name=name, actor=alice),
        lambda: maintenance.schedule_maintenance(
            page=page,
            name=name,
            body="Upgrading.",
            scheduled_for=now + timedelta(hours=1),
            scheduled_until=now + timedelta(hours=2),
            actor=alice,
        ),
        lambda: maintenance.change_maintenance(maintenance=upgrade, name=name, actor=alice),
        lambda: components.create_component(page=page, name=name, actor=alice),
        lambda: components.update_component(component=api, name=name, actor=alice),
        lambda: components.create_group(page=page, name=name, actor=alice),
        lambda: components.update_group(group=core, name=name, actor=alice),
    ]
    for call in calls:
        refused(call)

    stored = Page.objects.get(pk=page.pk)
    stored.name = name
    refused(lambda: save_page(page=stored, actor=alice))
    refused(IncidentTemplate(page=page, name=name, body="Looking.").full_clean)
    refused(IncidentTemplate(page=page, name="Outage", title=name, body="Looking.").full_clean)

    assert list(page.incidents.values_list("name", flat=True)) == ["Outage"]
    assert list(page.maintenances.values_list("name", flat=True)) == ["Upgrade"]
    assert sorted(page.components.values_list("name", flat=True)) == ["API"]
    assert list(page.groups.values_list("name", flat=True)) == ["Core Services"]
    assert Page.objects.get(pk=page.pk).name == "Example Status"


def test_bodies_keep_their_line_breaks_and_names_any_printable_text(page, alice):
    incident = incidents.open_incident(
        page=page,
        name="Paiement refusé — 決済 🚨",
        body="First line.\r\nSecond line.\n\n- a list\n\tindented",
        actor=alice,
    )
    assert incident.name == "Paiement refusé — 決済 🚨"
    assert incident.updates.get().body.count("\n") == 4
    with pytest.raises(ValidationError, match="surrogate"):
        incidents.post_incident_update(
            incident=incident, status="identified", body="Found \ud800 it.", actor=alice
        )


def test_the_operator_api_answers_a_clear_422_for_a_name_on_two_lines(operator, base, page):
    for name in ("Outage\r\nBcc: victim@example.org", "Outage\u2028x", "Out\x85age"):
        reply = operator.post(f"{base}/incidents", {"incident": {"name": name, "body": "x"}})
        assert reply.status == 422, reply.raw
        assert "one line" in reply.json["message"]
    reply = operator.patch(base, {"page": {"name": "Example\nStatus"}})
    assert reply.status == 422
    assert "one line" in reply.json["message"]
    reply = operator.post(f"{base}/components", {"component": {"name": "A\rPI"}})
    assert reply.status == 422
    assert not Incident.objects.exists()
    assert Page.objects.get(pk=page.pk).name == "Example Status"


@pytest.mark.parametrize("field", ["name", "body"])
def test_a_lone_surrogate_from_json_is_a_422_not_a_500(operator, base, field):
    incident = {"name": "Outage", "body": "Looking."}
    raw = json.dumps({"incident": incident | {field: "PLACEHOLDER"}}).replace(
        "PLACEHOLDER", "Out\\ud800age"
    )
    reply = operator.post(f"{base}/incidents", raw=raw.encode())
    assert reply.status == 422, reply.raw
    assert "surrogate" in reply.json["message"]
    reply = operator.patch(base, raw=b'{"page": {"name": "Ex\\udfffample"}}')
    assert reply.status == 422
    assert not Incident.objects.exists()


def _form_data(response) -> dict:
    """What the admin's change form would post back, as a browser would send it."""
    form = response.context["adminform"].form
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False or isinstance(bound.field, forms.FileField):
            continue
        data[bound.html_name] = "on" if value is True else value
    return data


def test_the_admin_shows_a_form_error_for_a_page_name_on_two_lines(client, alice, page):
    client.force_login(alice)
    url = f"/admin/pages/page/{page.pk}/change/"
    data = _form_data(client.get(url)) | {"name": "Example\r\nBcc: victim@example.org"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "one line" in response.content.decode()
    assert Page.objects.get(pk=page.pk).name == "Example Status"


def test_the_admin_shows_a_form_error_for_a_template_or_incident_name_on_two_lines(
    client, alice, page, api
):
    client.force_login(alice)
    response = client.post(
        "/admin/incidents/incidenttemplate/add/",
        {"page": page.pk, "name": "Outage\nx", "title": "", "status": "", "body": "Looking."},
    )
    assert response.status_code == 200
    assert "one line" in response.content.decode()
    assert not IncidentTemplate.objects.exists()

    response = client.post(
        "/admin/incidents/incident/add/",
        {
            "page": page.pk,
            "name": "Outage\r\n\r\nForged body",
            "status": "investigating",
            "message": "Looking.",
            f"component_{api.pk}": "",
            "impact_override": "",
            "started_at": "",
        },
    )
    assert response.status_code == 200
    assert "one line" in response.content.decode()
    assert not Incident.objects.exists()
