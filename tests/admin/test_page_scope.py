"""Each operator sees and changes only the pages they are on, in every screen of page rows."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from components.models import Component
from events.models import AuditEntry
from hooks.models import AlertMapping
from hooks.services import save_alert_mapping
from incidents import services as incident_services
from incidents.models import IncidentTemplate
from incidents.services import save_incident_template
from maintenance import services as maintenance_services
from operator_api.services import create_api_key
from pages.roles import assign_role
from subscribers import services as subscriber_services
from tests.support import personas

pytestmark = pytest.mark.django_db


def schedule(page, name):
    start = timezone.now() + timedelta(days=3)
    return maintenance_services.schedule_maintenance(
        page=page,
        name=name,
        body="Upgrading the database.",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        actor="tests",
    )


@pytest.fixture
def rows(page, other_page, api, alice):
    """One row of each kind on each page."""
    made = {}
    for which, on in (("mine", page), ("theirs", other_page)):
        group = personas.group(on, f"Group {which}")
        component = personas.component(on, f"Component {which}", group)
        incident = incident_services.open_incident(
            page=on, name=f"Incident {which}", body="Looking.", actor=alice
        )
        subscriber = subscriber_services.add_email_subscriber(
            page=on, email=f"{which}@example.org", actor="tests", skip_confirmation=True
        )
        key, _ = create_api_key(page=on, name=f"Key {which}", actor="tests")
        template = IncidentTemplate(page=on, name=f"Template {which}", body="We are on it.")
        save_incident_template(template=template, actor="tests")
        mapping = AlertMapping(
            page=on, name=f"Mapping {which}", matchers={"alertname": which}, component=component
        )
        save_alert_mapping(mapping=mapping, actor="tests")
        maintenance = schedule(on, f"Maintenance {which}")
        made[which] = {
            "components/component": component,
            "components/componentgroup": group,
            "incidents/incident": incident,
            "subscribers/subscriber": subscriber,
            "operator_api/apikey": key,
            "incidents/incidenttemplate": template,
            "hooks/alertmapping": mapping,
            "maintenance/maintenance": maintenance,
            "pages/page": on,
        }
    return made


@pytest.fixture
def dana(page) -> User:
    """A page admin of the default page only."""
    return personas.operator("dana", "admin", page)


SCREENS = [
    "components/component",
    "components/componentgroup",
    "incidents/incident",
    "subscribers/subscriber",
    "operator_api/apikey",
    "incidents/incidenttemplate",
    "hooks/alertmapping",
    "maintenance/maintenance",
    "pages/page",
]


@pytest.mark.parametrize("screen", SCREENS)
def test_a_list_shows_only_the_operators_pages(client, dana, rows, screen):
    client.force_login(dana)
    listing = client.get(f"/admin/{screen}/").content.decode()
    assert str(rows["mine"][screen]) in listing
    assert str(rows["theirs"][screen]) not in listing


@pytest.mark.parametrize("screen", SCREENS)
def test_another_pages_row_by_url_is_not_found(client, dana, rows, screen):
    client.force_login(dana)
    theirs = rows["theirs"][screen]
    assert client.get(f"/admin/{screen}/{theirs.pk}/change/").status_code == 404
    assert client.post(f"/admin/{screen}/{theirs.pk}/delete/", {"post": "yes"}).status_code == 404
    assert type(theirs).objects.filter(pk=theirs.pk).exists()


# Screens whose rows a service deletes, one at a time (DeletedByService in the admin).
DELETED_BY_SERVICE = [
    "components/componentgroup",
    "incidents/incidenttemplate",
    "hooks/alertmapping",
]


@pytest.mark.parametrize("screen", DELETED_BY_SERVICE)
@pytest.mark.parametrize("how", ["delete page", "bulk delete"])
def test_a_deleted_row_is_deleted_by_its_service_and_audited(client, dana, rows, screen, how):
    client.force_login(dana)
    mine = rows["mine"][screen]
    if how == "delete page":
        response = client.post(f"/admin/{screen}/{mine.pk}/delete/", {"post": "yes"})
    else:
        selected = {"action": "delete_selected", "_selected_action": [mine.pk], "post": "yes"}
        response = client.post(f"/admin/{screen}/", selected)
    assert response.status_code == 302
    assert not type(mine).objects.filter(pk=mine.pk).exists()
    deleted = AuditEntry.objects.filter(action="delete", object_id=str(mine.pk))
    assert deleted.get().actor == dana
    assert type(rows["theirs"][screen]).objects.filter(pk=rows["theirs"][screen].pk).exists()


def test_the_audit_log_and_deliveries_show_only_the_operators_pages(client, dana, rows):
    client.force_login(dana)
    audit = client.get("/admin/events/auditentry/").content.decode()
    assert "Incident mine" in audit
    assert "Incident theirs" not in audit
    notifications = client.get("/admin/subscribers/notificationevent/")
    assert notifications.status_code == 200
    events = notifications.context["cl"].result_list
    assert {event.page_id for event in events} == {rows["mine"]["pages/page"].pk}


def test_a_page_filter_names_only_the_operators_pages(client, dana, rows):
    client.force_login(dana)
    listing = client.get("/admin/events/auditentry/").content.decode()
    assert "Example Status" in listing
    assert ">Other<" not in listing


def test_forms_offer_only_the_operators_pages_and_their_groups(client, dana, rows, other_page):
    client.force_login(dana)
    form = client.get("/admin/components/component/add/").context["adminform"].form
    assert list(form.fields["page"].queryset) == [rows["mine"]["pages/page"]]
    assert {g.page for g in form.fields["group"].queryset} == {rows["mine"]["pages/page"]}
    response = client.post(
        "/admin/components/component/add/",
        {"page": other_page.pk, "name": "Smuggled", "status": "operational", "position": 0},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Component.objects.filter(name="Smuggled").exists()


def test_an_incident_cannot_be_opened_on_another_page(client, dana, rows, other_page, page):
    client.force_login(dana)
    response = client.post(
        f"/admin/incidents/incident/add/?page={other_page.pk}",
        {"page": other_page.pk, "name": "Smuggled", "status": "investigating", "message": "x"},
    )
    assert response.status_code == 302
    assert not other_page.incidents.filter(name="Smuggled").exists()
    assert page.incidents.filter(name="Smuggled").exists()  # the page the form showed


def test_an_operator_on_no_page_sees_no_rows(client, rows):
    stray = User.objects.create_user("stray", password="pw", is_staff=True)
    client.force_login(stray)
    assert client.get("/admin/incidents/incident/").status_code == 403
    assert client.get(
        f"/admin/incidents/incident/{rows['mine']['incidents/incident'].pk}/change/"
    ).status_code in (403, 404)


def test_a_responder_on_one_page_and_admin_on_another_has_each_role_where_it_is_held(
    client, rows, page, other_page
):
    erin = personas.operator("erin", "responder", page)
    assign_role(erin, "admin", other_page)
    client.force_login(erin)
    mine = rows["mine"]["components/component"]
    theirs = rows["theirs"]["components/component"]
    client.post(f"/admin/components/component/{mine.pk}/delete/", {"post": "yes"})
    client.post(f"/admin/components/component/{theirs.pk}/delete/", {"post": "yes"})
    assert Component.objects.filter(pk=mine.pk).exists()  # a responder may not delete
    assert not Component.objects.filter(pk=theirs.pk).exists()


def test_the_page_switcher_narrows_the_lists_and_says_which_page_is_current(
    client, rows, page, other_page
):
    fay = personas.operator("fay", "admin", page, other_page)
    client.force_login(fay)
    both = client.get("/admin/incidents/incident/").content.decode()
    assert "Incident mine" in both and "Incident theirs" in both
    assert "Current: <strong>all pages</strong>" in both

    switched = client.post(
        reverse("admin_switch_page"), {"page": other_page.pk, "next": "/admin/incidents/incident/"}
    )
    assert switched.status_code == 302
    assert switched["Location"] == "/admin/incidents/incident/"
    one = client.get("/admin/incidents/incident/").content.decode()
    assert "Incident theirs" in one and "Incident mine" not in one
    assert "Current: <strong>Other</strong>" in one
    # An object of the other page still opens by its link.
    mine = rows["mine"]["incidents/incident"]
    assert client.get(f"/admin/incidents/incident/{mine.pk}/change/").status_code == 200


def test_switching_to_a_page_one_is_not_on_changes_nothing(client, dana, rows, other_page):
    client.force_login(dana)
    response = client.post(
        reverse("admin_switch_page"), {"page": other_page.pk, "next": "//evil.example/"}
    )
    assert response["Location"] == reverse("admin:index")
    listing = client.get("/admin/incidents/incident/").content.decode()
    assert "Incident mine" in listing and "Incident theirs" not in listing


def test_the_switcher_is_not_shown_to_someone_on_one_page(client, dana, rows):
    client.force_login(dana)
    assert "beacon-page-switcher" not in client.get("/admin/").content.decode()


def test_removal_takes_effect_at_the_next_request(client, dana, rows, page):
    client.force_login(dana)
    incident = rows["mine"]["incidents/incident"]
    assert client.get(f"/admin/incidents/incident/{incident.pk}/change/").status_code == 200
    dana.memberships.all().delete()
    assert client.get(f"/admin/incidents/incident/{incident.pk}/change/").status_code in (403, 404)
    assert client.get("/admin/incidents/incident/").status_code == 403


def test_a_page_admin_sees_only_their_teams_accounts(client, dana, rows, other_page):
    outsider = personas.operator("outsider", "admin", other_page)
    client.force_login(dana)
    users = client.get("/admin/auth/user/").content.decode()
    assert "dana" in users and "outsider" not in users
    assert client.get(reverse("admin:auth_user_change", args=[outsider.pk])).status_code == 404
    assert client.get("/admin/auth/group/").status_code == 403
