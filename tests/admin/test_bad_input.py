"""Whatever is typed or posted by hand, the operator gets a page that explains, never a 500."""

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(page, api, alice) -> Incident:
    return services.open_incident(
        page=page,
        name="Outage",
        body="Looking.",
        component_statuses={api: "major_outage"},
        actor=alice,
    )


@pytest.mark.parametrize(
    "data",
    [
        {"action": "update"},
        {"action": "update", "update-status": "resolved", "update-message": " "},
        {"action": "update", "update-status": "identified", "update-message": "x" * 30_000},
        {"action": "details", "details-name": "X", "details-started_at": "yesterday"},
        {"action": "details", "details-name": "X", "details-started_at": "2999-01-01T10:00"},
        {"action": "details", "details-name": "X", "details-components": ["nope"]},
        {"action": "details", "details-name": "X", "details-impact_override": "apocalyptic"},
        {"action": "publish_postmortem", "postmortem-body": ""},
    ],
)
def test_bad_posts_to_the_incident_page_are_form_errors(client, alice, incident, data):
    client.force_login(alice)
    response = client.post(reverse("admin:incidents_incident_change", args=[incident.pk]), data)
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert incident.updates.count() == 1


def test_an_unknown_form_action_changes_nothing_and_says_so(client, alice, incident):
    client.force_login(alice)
    response = client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]), {"action": "explode"}
    )
    assert response.status_code == 200
    assert "That form action is not known" in response.content.decode()


def test_an_unknown_template_leaves_the_form_blank_with_a_warning(client, alice, page):
    client.force_login(alice)
    for value in ("999999", "abc"):
        response = client.get(f"/admin/incidents/incident/add/?template={value}")
        assert response.status_code == 200
        assert "That incident template does not exist" in response.content.decode()


def test_an_unknown_incident_or_update_is_not_found(client, alice, incident):
    client.force_login(alice)
    missing = client.get(reverse("admin:incidents_incident_change", args=["nothere"]))
    assert missing.status_code == 404  # as for another page's incident: nothing tells them apart
    update_url = reverse("admin:incidents_incident_edit_update", args=[incident.pk, "nothere"])
    assert client.get(update_url).status_code == 404


def test_an_edited_update_with_an_empty_message_is_a_form_error(client, alice, incident):
    update = incident.updates.get()
    client.force_login(alice)
    url = reverse("admin:incidents_incident_edit_update", args=[incident.pk, update.pk])
    response = client.post(url, {"message": "", "display_at": "2026-01-01T10:00"})
    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    update.refresh_from_db()
    assert update.body == "Looking."


def test_a_bad_reminder_is_a_form_error(client, alice, page):
    client.force_login(alice)
    response = client.post(
        "/admin/maintenance/maintenance/add/",
        {
            "name": "Upgrade",
            "scheduled_for": "2030-01-15T10:00",
            "scheduled_until": "2030-01-15T11:00",
            "remind_minutes_before": "-5",
            "message": "Planned.",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["remind_minutes_before"]
