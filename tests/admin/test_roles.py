import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from incidents import services as incident_services
from incidents.models import IncidentStatus
from pages.roles import PAGE_ADMIN, RESPONDER, assign_role
from tests.support import personas
from tests.support.forms import page_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(page) -> User:
    """An incident responder on the default page."""
    return personas.operator("bob", "responder")


@pytest.fixture
def carol(page) -> User:
    """A page admin of the default page, who is not a superuser."""
    return personas.operator("carol", "admin")


def test_the_migration_creates_both_role_groups_with_permissions(db):
    responders = Group.objects.get(name=RESPONDER)
    admins = Group.objects.get(name=PAGE_ADMIN)
    assert responders.permissions.filter(codename="change_component_status").exists()
    assert not responders.permissions.filter(codename="change_page").exists()
    assert admins.permissions.filter(codename="change_page").exists()
    assert admins.permissions.filter(codename="delete_component").exists()


def test_assigning_a_role_makes_staff_and_replaces_the_other_role(carol, page):
    assert carol.is_staff
    assign_role(carol, "responder")
    assert list(carol.memberships.values_list("page", "role")) == [(page.pk, "responder")]
    assert not carol.groups.exists()  # the groups only say what each role may do


def test_a_role_needs_a_page(db):
    dora = User.objects.create_user("dora")
    with pytest.raises(ValueError, match="no default page"):
        assign_role(dora, "responder")


def test_an_unknown_role_is_refused(carol):
    with pytest.raises(ValueError, match="not a role"):
        assign_role(carol, "overlord")


def test_a_responder_can_open_and_update_incidents(client, bob, page, api):
    client.force_login(bob)
    response = client.post(
        "/admin/incidents/incident/add/",
        {
            "page": page.pk,
            "name": "Slow API",
            "status": "investigating",
            "message": "Looking.",
            f"component_{api.pk}": "degraded_performance",
            "notify": "on",
        },
    )
    assert response.status_code == 302
    incident = page.incidents.get()
    client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        {"action": "update", "update-status": "monitoring", "update-message": "Fix deployed."},
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING


def test_a_responder_can_set_component_statuses_in_bulk(client, bob, page, api):
    client.force_login(bob)
    client.post(
        "/admin/components/component/",
        {"action": "set_status_major_outage", "_selected_action": [api.pk]},
    )
    api.refresh_from_db()
    assert api.status == "major_outage"


def test_a_responder_cannot_edit_the_page_or_delete_components(client, bob, page, api):
    client.force_login(bob)
    page_url = reverse("admin:pages_page_change", args=[page.pk])
    response = client.post(page_url, {"name": "Hijacked", "url": page.url, "time_zone": "UTC"})
    page.refresh_from_db()
    assert page.name == "Example Status"
    assert response.status_code == 403
    assert 'name="_save"' not in client.get(page_url).content.decode()
    delete = client.post(
        reverse("admin:components_component_delete", args=[api.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert page.components.filter(pk=api.pk).exists()


def test_a_responder_cannot_manage_users(client, bob):
    client.force_login(bob)
    assert client.get("/admin/auth/user/").status_code == 403


def test_a_page_admin_can_edit_the_page_and_its_time_zone(client, carol, page):
    client.force_login(carol)
    response = client.post(
        reverse("admin:pages_page_change", args=[page.pk]),
        page_form_data(page)
        | {
            "time_zone": "America/New_York",
            "brand_colour": "#112233",
            "footer_links": '[{"label": "Docs", "url": "https://docs.example.com"}]',
        },
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.time_zone == "America/New_York"
    assert page.footer_links == [{"label": "Docs", "url": "https://docs.example.com"}]
    assert page.events.filter(kind="page.changed").exists()


def test_a_time_zone_that_does_not_exist_is_a_form_error(client, carol, page):
    client.force_login(carol)
    response = client.post(
        reverse("admin:pages_page_change", args=[page.pk]),
        page_form_data(page) | {"time_zone": "Mars/Olympus_Mons"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    page.refresh_from_db()
    assert page.time_zone == "Europe/Paris"


def test_the_audit_log_is_read_only(client, carol, page, alice):
    incident_services.open_incident(page=page, name="Outage", body="Looking.", actor=alice)
    client.force_login(alice)
    response = client.get("/admin/events/auditentry/?action=open")
    assert response.status_code == 200
    assert "Outage" in response.content.decode()
    assert client.get("/admin/events/auditentry/add/").status_code == 403
    assert client.get("/admin/events/outboxevent/add/").status_code == 403


def test_a_page_admin_cannot_make_anyone_a_superuser(client, carol, bob):
    client.force_login(carol)
    url = reverse("admin:auth_user_change", args=[bob.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="is_superuser"' not in response.content.decode()
