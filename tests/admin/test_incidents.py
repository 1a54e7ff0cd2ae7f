import pytest
from django.urls import reverse

from components.models import ComponentStatus
from incidents import services
from incidents.models import Incident, IncidentStatus, IncidentTemplate
from tests.support.scenes import open_api_incident, refresh

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/incidents/incident/add/"
LIST_URL = "/admin/incidents/incident/"


def change_url(incident: Incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def open_form(api, dashboard, website, **overrides):
    data = {
        "page": api.page_id,
        "name": "Elevated API errors",
        "status": "investigating",
        "message": "We are looking into **errors** on the API.",
        f"component_{api.pk}": "major_outage",
        f"component_{dashboard.pk}": "",
        f"component_{website.pk}": "",
        "impact_override": "",
        "started_at": "",
        "notify": "on",
    }
    data.update(overrides)
    return data


def test_opening_an_incident_sets_component_statuses_and_lists_it_first(
    client, alice, page, api, dashboard, website
):
    old = services.open_incident(page=page, name="Old one", body="Looking.", actor=alice)
    services.resolve_incident(incident=old, actor=alice)
    client.force_login(alice)

    response = client.post(ADD_URL, open_form(api, dashboard, website))

    incident = Incident.objects.get(name="Elevated API errors")
    assert response.status_code == 302
    assert response["Location"] == change_url(incident)
    api.refresh_from_db()
    dashboard.refresh_from_db()
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    assert dashboard.status == ComponentStatus.OPERATIONAL
    assert list(incident.components.all()) == [api]
    listing = client.get(LIST_URL).content.decode()
    assert listing.index("Elevated API errors") < listing.index("Old one")


def test_the_open_form_shows_a_selector_for_every_component_grouped(
    client, alice, page, api, dashboard, website
):
    client.force_login(alice)
    html = client.get(ADD_URL).content.decode()
    for component in (api, dashboard, website):
        assert f'name="component_{component.pk}"' in html
    assert "Core Services" in html
    assert "Not affected" in html
    assert "Europe/Paris" in html


def test_a_template_fills_the_open_form_without_javascript(client, alice, page, api):
    template = IncidentTemplate.objects.create(
        page=page, name="DB", title="Database slowness", status="identified", body="DB is slow."
    )
    client.force_login(alice)
    response = client.get(f"{ADD_URL}?template={template.pk}")
    form = response.context["form"]
    assert form["name"].value() == "Database slowness"
    assert form["status"].value() == "identified"
    assert form["message"].value() == "DB is slow."


def test_a_back_dated_start_is_read_in_the_page_time_zone(
    client, alice, page, api, dashboard, website
):
    client.force_login(alice)
    client.post(
        ADD_URL, open_form(api, dashboard, website, started_at="2025-01-15T10:00", backfilled="on")
    )
    incident = Incident.objects.get()
    assert incident.started_at.isoformat() == "2025-01-15T09:00:00+00:00"


def test_an_unknown_component_status_posted_by_hand_is_a_form_error(
    client, alice, page, api, dashboard, website
):
    client.force_login(alice)
    response = client.post(
        ADD_URL, open_form(api, dashboard, website, **{f"component_{api.pk}": "on_fire"})
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Incident.objects.exists()
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL


def test_an_unknown_incident_status_posted_by_hand_is_a_form_error(
    client, alice, page, api, dashboard, website
):
    client.force_login(alice)
    response = client.post(ADD_URL, open_form(api, dashboard, website, status="exploded"))
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert not Incident.objects.exists()


def test_posting_an_update_changes_status_and_components(client, alice, page, api, dashboard):
    incident = open_api_incident(
        page, api, api_status="major_outage", name="Outage", body="Looking.", actor=alice
    )
    client.force_login(alice)
    form = client.get(change_url(incident)).context["update_form"]
    assert form["status"].value() == "investigating"
    assert form[f"component_{api.pk}"].value() == "major_outage"

    response = client.post(
        change_url(incident),
        {
            "action": "update",
            "update-status": "identified",
            "update-message": "We found the cause.",
            f"update-component_{api.pk}": "partial_outage",
            f"update-component_{dashboard.pk}": "degraded_performance",
            "update-notify": "on",
        },
    )

    assert response.status_code == 302
    refresh(incident, api, dashboard)
    assert incident.status == IncidentStatus.IDENTIFIED
    assert api.status == ComponentStatus.PARTIAL_OUTAGE
    assert dashboard.status == ComponentStatus.DEGRADED_PERFORMANCE
    assert incident.updates.filter(body="We found the cause.", status="identified").exists()
    assert "We found the cause." in client.get(change_url(incident)).content.decode()


def test_the_resolve_shortcut_prefills_and_resolving_restores_components(client, alice, page, api):
    incident = open_api_incident(
        page, api, api_status="major_outage", name="Outage", body="Looking.", actor=alice
    )
    client.force_login(alice)
    form = client.get(change_url(incident) + "?resolve=1").context["update_form"]
    assert form["status"].value() == "resolved"
    assert form["message"].value() == "This incident has been resolved."
    assert form[f"component_{api.pk}"].value() == "operational"

    client.post(
        change_url(incident),
        {
            "action": "update",
            "update-status": "resolved",
            "update-message": "This incident has been resolved.",
            f"update-component_{api.pk}": "operational",
        },
    )

    incident.refresh_from_db()
    api.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at is not None
    assert api.status == ComponentStatus.OPERATIONAL


def test_an_update_to_a_resolved_incident_without_reopen_keeps_the_typed_message(
    client, alice, page, api
):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    services.resolve_incident(incident=incident, actor=alice)
    client.force_login(alice)

    response = client.post(
        change_url(incident),
        {"action": "update", "update-status": "monitoring", "update-message": "It is back again."},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Reopen it to post another update" in html
    assert "It is back again." in html
    assert incident.updates.count() == 2

    client.post(
        change_url(incident),
        {
            "action": "update",
            "update-status": "investigating",
            "update-message": "It is back again.",
            "update-reopen": "on",
        },
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING


def test_editing_an_update_marks_it_edited(client, alice, page):
    incident = services.open_incident(page=page, name="Outage", body="Lookin.", actor=alice)
    update = incident.updates.get()
    client.force_login(alice)
    url = reverse("admin:incidents_incident_edit_update", args=[incident.pk, update.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"message": "Looking.", "display_at": "2026-01-15T10:00"})

    assert response.status_code == 302
    update.refresh_from_db()
    assert update.body == "Looking."
    assert update.edited_at is not None
    assert update.display_at.isoformat() == "2026-01-15T09:00:00+00:00"


def test_changing_details_goes_through_the_incident_service(client, alice, page, api, website):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    client.force_login(alice)
    client.post(
        change_url(incident),
        {
            "action": "details",
            "details-name": "Website outage",
            "details-impact_override": "critical",
            "details-started_at": "2025-06-01T12:00",
            "details-components": [website.pk],
        },
    )
    incident.refresh_from_db()
    assert incident.name == "Website outage"
    assert incident.effective_impact == "critical"
    assert incident.started_at.isoformat() == "2025-06-01T10:00:00+00:00"
    assert list(incident.components.all()) == [website]


def test_publishing_a_postmortem(client, alice, page):
    incident = services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    client.force_login(alice)
    url = change_url(incident)

    early = client.post(
        url,
        {
            "action": "publish_postmortem",
            "postmortem-body": "What happened.",
            "postmortem-notify": "on",
        },
    )
    assert "Resolve the incident before publishing" in early.content.decode()
    assert "What happened." in early.content.decode()

    client.post(url, {"action": "save_postmortem", "postmortem-body": "Draft."})
    assert incident.postmortem.body == "Draft."
    assert incident.postmortem.published_at is None

    services.resolve_incident(incident=incident, actor=alice)
    client.post(url, {"action": "publish_postmortem", "postmortem-body": "What happened."})
    incident.refresh_from_db()
    incident.postmortem.refresh_from_db()
    assert incident.status == IncidentStatus.POSTMORTEM
    assert incident.postmortem.body == "What happened."
    assert incident.postmortem.is_published


def test_a_start_time_that_is_ambiguous_at_the_dst_change_is_a_form_error(
    client, alice, page, api, dashboard, website
):
    client.force_login(alice)
    # 02:30 happened twice in Paris on 26 October 2025.
    response = client.post(
        ADD_URL, open_form(api, dashboard, website, started_at="2025-10-26T02:30")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["started_at"]
    assert not Incident.objects.exists()


def test_the_impact_filter_follows_the_override(client, alice, page, api):
    services.open_incident(
        page=page,
        name="Looks minor",
        body="Looking.",
        component_statuses={api: "degraded_performance"},
        impact_override="critical",
        actor=alice,
    )
    client.force_login(alice)
    critical = client.get(LIST_URL + "?impact=critical").context["cl"].result_list
    minor = client.get(LIST_URL + "?impact=minor").context["cl"].result_list
    assert [i.name for i in critical] == ["Looks minor"]
    assert list(minor) == []
