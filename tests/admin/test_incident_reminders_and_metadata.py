"""Operators set an incident's reminder schedule in the admin and see its API metadata."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Incident
from maintenance import services as maintenance_services

pytestmark = pytest.mark.django_db


def change_url(incident: Incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def details(incident: Incident, **overrides: str) -> dict[str, str]:
    data = {
        "action": "details",
        "details-name": incident.name,
        "details-impact_override": "",
        "details-started_at": timezone.localtime(incident.started_at, incident.page.tz).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "details-reminder_intervals": "",
    }
    data.update(overrides)
    return data


def test_the_details_form_sets_the_reminder_schedule(client, alice, page):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    client.force_login(alice)
    form = client.get(change_url(incident)).content.decode()
    assert 'name="details-reminder_intervals"' in form
    assert "every 4 hours up to 24" in form

    response = client.post(
        change_url(incident), details(incident, **{"details-reminder_intervals": "[1,5, 7]"})
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.reminder_intervals == "[1, 5, 7]"
    shown = client.get(change_url(incident)).content.decode()
    assert 'value="[1, 5, 7]"' in shown

    client.post(change_url(incident), details(incident))
    incident.refresh_from_db()
    assert incident.reminder_intervals == ""
    assert incident.reminder_hours == [3, 6, 12, 24]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("[5, 1]", "strictly increasing"),
        ("[0]", "from 1 to 24"),
        ("30", "every 1 to 24 hours"),
        ("soon", "is not a reminder schedule"),
    ],
)
def test_a_bad_reminder_schedule_is_a_form_error(client, alice, page, value, says):
    incident = services.open_incident(
        page=page, name="Outage", body="Looking.", actor=alice, reminder_intervals="4"
    )
    client.force_login(alice)

    response = client.post(
        change_url(incident), details(incident, **{"details-reminder_intervals": value})
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "The details were not saved" in html
    assert says in html
    incident.refresh_from_db()
    assert incident.reminder_intervals == "4"


def test_the_open_form_takes_a_reminder_schedule(client, alice, page, api):
    client.force_login(alice)
    base = {
        "page": page.pk,
        "name": "Elevated errors",
        "status": "investigating",
        "message": "Looking.",
        f"component_{api.pk}": "",
        "impact_override": "",
        "started_at": "",
        "notify": "on",
    }
    refused = client.post("/admin/incidents/incident/add/", {**base, "reminder_intervals": "[x]"})
    assert refused.status_code == 200
    assert "is not a reminder schedule" in refused.content.decode()
    assert not Incident.objects.exists()

    client.post("/admin/incidents/incident/add/", {**base, "reminder_intervals": "2"})
    assert Incident.objects.get().reminder_intervals == "2"


def test_api_metadata_is_shown_read_only(client, alice, page):
    incident = services.open_incident(
        page=page,
        name="Outage",
        body="Looking.",
        actor=alice,
        metadata={"tracker": {"issue_id": "OPS-<42>"}},
    )
    start = timezone.now() + timedelta(days=1)
    maintenance = maintenance_services.schedule_maintenance(
        page=page,
        name="Upgrade",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        body="Upgrading.",
        actor=alice,
        metadata={"change": {"id": "CHG-7"}},
    )
    client.force_login(alice)

    html = client.get(change_url(incident)).content.decode()
    assert '<pre class="beacon-metadata">' in html
    assert "&quot;issue_id&quot;: &quot;OPS-&lt;42&gt;&quot;" in html
    assert 'name="metadata"' not in html

    url = reverse("admin:maintenance_maintenance_change", args=[maintenance.pk])
    assert "&quot;CHG-7&quot;" in client.get(url).content.decode()

    bare = services.open_incident(page=page, name="Other", body="Looking.", actor=alice)
    assert "beacon-metadata" not in client.get(change_url(bare)).content.decode()
