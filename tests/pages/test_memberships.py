"""Roles per page: memberships and the commands."""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from pages.access import has_page_perm, pages_with_perm
from pages.models import Membership, Page
from tests.support import personas
from tests.support.forms import page_form_data

pytestmark = pytest.mark.django_db


def test_permissions_follow_the_role_on_each_page(page, other_page):
    uma = personas.operator("uma", "responder", page)
    assert has_page_perm(uma, "incidents.add_incident", page)
    assert not has_page_perm(uma, "components.delete_component", page)
    assert not has_page_perm(uma, "incidents.add_incident", other_page)
    assert list(pages_with_perm(uma, "incidents.add_incident")) == [page]
    assert uma.has_perm("incidents.add_incident")
    assert not uma.has_perm("pages.change_page")
    assert uma.has_perm("incidents.add_incident", page)
    assert not uma.has_perm("incidents.add_incident", other_page)


def test_an_inactive_member_may_do_nothing(page):
    vic = personas.operator("vic", "admin", page)
    vic.is_active = False
    vic.save()
    vic = User.objects.get(pk=vic.pk)
    assert not has_page_perm(vic, "incidents.add_incident", page)
    assert not vic.has_perm("incidents.add_incident")


def test_assignrole_takes_a_page_and_defaults_to_the_default_page(page, other_page, capsys):
    User.objects.create_user("wes")
    call_command("assignrole", "wes", "responder")
    call_command("assignrole", "wes", "admin", "--page", other_page.pk)
    held = dict(Membership.objects.filter(user__username="wes").values_list("page", "role"))
    assert held == {page.pk: "responder", other_page.pk: "admin"}
    assert "wes is page admin on Other." in capsys.readouterr().out
    with pytest.raises(CommandError, match="No page"):
        call_command("assignrole", "wes", "admin", "--page", "nothere")
    with pytest.raises(CommandError, match="No user"):
        call_command("assignrole", "nobody", "admin")


def test_a_page_admin_who_creates_a_page_runs_it(client, page):
    xia = personas.operator("xia", "admin", page)
    client.force_login(xia)
    data = page_form_data(page) | {
        "name": "Xia's page",
        "url": "https://xia.test",
        "domain": "xia.test",
    }
    del data["is_default"]
    assert client.post("/admin/pages/page/add/", data).status_code == 302
    created = Page.objects.get(name="Xia's page")
    assert Membership.objects.get(user=xia, page=created).role == "admin"
    assert created.audit_entries.filter(action="membership.added").exists()
