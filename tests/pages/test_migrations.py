"""The squashed migrations: the role groups they make on a new database, and a database that
applied the migrations they replace counting as up to date."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from pages.roles import PAGE_ADMIN, RESPONDER, create_role_groups, sync_roles

pytestmark = pytest.mark.django_db

ROLE_STEP = ("monitors", "0001_squashed_0004_admin")


def held(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_a_new_database_has_the_role_groups_with_every_permission_of_their_apps():
    # The test database was made by the migrations; nothing has synced the roles since.
    responder, admin = held(RESPONDER), held(PAGE_ADMIN)
    assert {
        "incidents.add_incident",
        "monitors.check_monitor",
        "events.view_auditentry",
    } <= responder
    assert "pages.change_page" not in responder
    assert {
        "pages.change_page",
        "subscribers.view_delivery",
        "operator_api.add_apikey",
        "hooks.add_alertmapping",
        "monitors.change_monitor",
        "events.view_outboxevent",
        "auth.add_user",
    } <= admin
    # The step ran after every app the roles name: syncing again gives them nothing new.
    sync_roles()
    assert (held(RESPONDER), held(PAGE_ADMIN)) == (responder, admin)


def test_the_role_step_makes_the_groups_and_their_permissions_again():
    Group.objects.filter(name__in=[RESPONDER, PAGE_ADMIN]).delete()
    Permission.objects.filter(content_type__app_label="monitors").delete()
    state = MigrationExecutor(connection).loader.project_state(ROLE_STEP)

    create_role_groups(state.apps)

    assert "monitors.check_monitor" in held(RESPONDER)
    assert {"monitors.add_metric", "subscribers.delete_subscriber"} <= held(PAGE_ADMIN)


def test_a_database_that_applied_the_replaced_migrations_is_up_to_date():
    executor = MigrationExecutor(connection)
    squashed = list(executor.loader.replacements)
    assert ("pages", "0001_squashed_0008_membership_source") in squashed
    # Such a database records the old names only (migrate adds the squashed ones itself).
    recorded = MigrationRecorder.Migration.objects
    recorded.filter(name__contains="_squashed_").delete()
    for app_label, name in squashed:
        assert not recorded.filter(app=app_label, name=name).exists()
        assert recorded.filter(app=app_label, name="0001_initial").exists()

    executor = MigrationExecutor(connection)
    assert set(squashed) <= set(executor.loader.applied_migrations)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
