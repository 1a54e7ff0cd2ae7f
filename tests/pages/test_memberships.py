"""Roles per page: memberships, the migration from the global roles, and the commands."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from pages.access import has_page_perm, pages_with_perm
from pages.models import Membership, Page
from pages.roles import PAGE_ADMIN, RESPONDER
from tests.support import personas
from tests.support.forms import page_form_data

pytestmark = pytest.mark.django_db

migration = importlib.import_module("pages.migrations.0007_memberships")


def test_the_global_roles_become_memberships_of_every_page(page, other_page):
    rita = User.objects.create_user("rita", is_staff=True)
    sam = User.objects.create_user("sam", is_staff=True)
    both = User.objects.create_user("both", is_staff=True)
    Group.objects.get(name=RESPONDER).user_set.add(rita, both)
    Group.objects.get(name=PAGE_ADMIN).user_set.add(sam, both)

    migration.roles_to_memberships(apps, None)

    held = set(Membership.objects.values_list("user__username", "page__name", "role"))
    assert held == {
        ("rita", "Example Status", "responder"),
        ("rita", "Other", "responder"),
        ("sam", "Example Status", "admin"),
        ("sam", "Other", "admin"),
        ("both", "Example Status", "admin"),
        ("both", "Other", "admin"),
    }
    assert not User.objects.filter(groups__name__in=[RESPONDER, PAGE_ADMIN]).exists()
    # Nobody lost anything they could do.
    rita = User.objects.get(pk=rita.pk)
    assert rita.has_perm("incidents.add_incident")
    assert has_page_perm(rita, "incidents.add_incident", other_page)


def test_going_back_puts_members_in_the_role_groups_again(page):
    tom = personas.operator("tom", "admin", page)
    migration.memberships_to_roles(apps, None)
    assert list(tom.groups.values_list("name", flat=True)) == [PAGE_ADMIN]


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
