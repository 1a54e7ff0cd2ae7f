import pytest
from django.urls import reverse

from components import services
from components.models import Component, ComponentStatus
from events.models import AuditEntry

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/components/component/"


def component_form(page, **overrides):
    data = {
        "page": page.pk,
        "name": "Search",
        "description": "",
        "group": "",
        "position": "5",
        "status": "operational",
        "showcase": "on",
        "start_date": "2025-01-01",
    }
    data.update(overrides)
    return data


def test_the_bulk_action_sets_every_selected_status(client, alice, page, api, dashboard, website):
    client.force_login(alice)
    response = client.post(
        LIST_URL,
        {"action": "set_status_partial_outage", "_selected_action": [api.pk, dashboard.pk]},
        follow=True,
    )
    statuses = dict(Component.objects.values_list("name", "status"))
    assert statuses == {
        "API": ComponentStatus.PARTIAL_OUTAGE,
        "Dashboard": ComponentStatus.PARTIAL_OUTAGE,
        "Website": ComponentStatus.OPERATIONAL,
    }
    assert "2 component(s) set to partial outage." in response.content.decode()
    assert AuditEntry.objects.filter(action="set_status").count() == 2


def test_every_status_has_a_bulk_action(client, alice, page, api):
    client.force_login(alice)
    html = client.get(LIST_URL).content.decode()
    for label in ("operational", "degraded performance", "partial outage", "major outage"):
        assert f"Set status to: {label}" in html
    assert "Set status to: under maintenance" in html


def test_the_list_is_in_display_order(client, alice, page, website, api, dashboard):
    client.force_login(alice)
    listed = [c.name for c in client.get(LIST_URL).context["cl"].result_list]
    assert listed == ["Website", "API", "Dashboard"]


def test_creating_editing_and_deleting_a_component_is_audited(client, alice, page, core):
    client.force_login(alice)
    response = client.post("/admin/components/component/add/", component_form(page))
    component = Component.objects.get(name="Search")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="create", object_id=component.pk).exists()

    change = reverse("admin:components_component_change", args=[component.pk])
    client.post(change, component_form(page, name="Search API", group=core.pk))
    component.refresh_from_db()
    assert (component.name, component.group) == ("Search API", core)
    assert AuditEntry.objects.filter(action="update", object_id=component.pk).exists()

    client.post(reverse("admin:components_component_delete", args=[component.pk]), {"post": "yes"})
    assert not Component.objects.filter(pk=component.pk).exists()
    assert AuditEntry.objects.filter(action="delete", object_id=component.pk).exists()


def test_a_group_of_another_page_is_a_form_error_not_a_crash(client, alice, page, core, other_page):
    other_group = services.create_group(page=other_page, name="Elsewhere", actor="tests")
    client.force_login(alice)
    response = client.post(
        "/admin/components/component/add/", component_form(page, group=other_group.pk)
    )
    assert response.status_code == 200
    assert "That group belongs to another page." in response.content.decode()
    assert 'value="Search"' in response.content.decode()
    assert not Component.objects.filter(name="Search").exists()


def test_groups_are_created_through_the_service(client, alice, page):
    client.force_login(alice)
    client.post(
        "/admin/components/componentgroup/add/",
        {"page": page.pk, "name": "Edge", "description": "", "position": "2"},
    )
    assert page.groups.filter(name="Edge").exists()
    assert AuditEntry.objects.filter(action="create", object_type="componentgroup").exists()


def test_the_admin_header_names_beacon_and_links_to_the_status_page(client, alice, page):
    client.force_login(alice)
    html = client.get("/admin/").content.decode()
    assert "Beacon" in html
    assert "View status page" in html
