"""The two operator roles, as Django groups with permissions.

Incident responders run incidents and maintenance and set component statuses; page admins can
change everything about the page, its components, templates and team. The migration
`monitors/0001_squashed_0004_admin`, which comes after every app the roles name, creates both
groups with `create_role_groups`. The groups say *what* a role may do; a user holds a role on a
page through a Membership (pages.models), and pages.access reads the two together. Users are not
put in the groups themselves. `assign_role` is what `manage.py` commands use to give someone a
role."""

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db.models import Q

from .access import ROLE_GROUPS
from .models import Page, Role
from .team import set_membership

RESPONDER = ROLE_GROUPS[Role.RESPONDER]
PAGE_ADMIN = ROLE_GROUPS[Role.ADMIN]
ROLES = {"responder": RESPONDER, "admin": PAGE_ADMIN}

RESPONDER_PERMISSIONS = [
    "pages.view_page",
    "components.view_component",
    "components.view_componentgroup",
    "components.change_component_status",
    "incidents.add_incident",
    "incidents.change_incident",
    "incidents.view_incident",
    "incidents.add_incidentupdate",
    "incidents.change_incidentupdate",
    "incidents.view_incidentupdate",
    "incidents.add_postmortem",
    "incidents.change_postmortem",
    "incidents.view_postmortem",
    "incidents.view_incidenttemplate",
    "maintenance.add_maintenance",
    "maintenance.change_maintenance",
    "maintenance.view_maintenance",
    "maintenance.add_maintenanceupdate",
    "maintenance.change_maintenanceupdate",
    "maintenance.view_maintenanceupdate",
    "monitors.view_monitor",
    "monitors.check_monitor",
    "monitors.view_metric",
    "events.view_auditentry",
]

# Page admins hold every permission of these apps, plus the ones below.
PAGE_ADMIN_APPS = [
    "pages",
    "components",
    "incidents",
    "maintenance",
    "subscribers",
    "operator_api",
    "hooks",
    "monitors",
]
PAGE_ADMIN_EXTRA = [
    "events.view_auditentry",
    "events.view_outboxevent",
    "auth.add_user",
    "auth.change_user",
    "auth.delete_user",
    "auth.view_user",
    "auth.view_group",
]


def _by_names(names: list[str]) -> Q:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return query


def sync_roles(apps: Any = global_apps) -> dict[str, Any]:
    """Create the role groups if needed and give them exactly their permissions.

    Takes the migration's historical `apps` too. Returns {role: group}.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    responder, _ = Group.objects.get_or_create(name=RESPONDER)
    responder.permissions.set(Permission.objects.filter(_by_names(RESPONDER_PERMISSIONS)))
    page_admin, _ = Group.objects.get_or_create(name=PAGE_ADMIN)
    page_admin.permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=PAGE_ADMIN_APPS)
            | _by_names(PAGE_ADMIN_EXTRA + RESPONDER_PERMISSIONS)
        )
    )
    return {"responder": responder, "admin": page_admin}


def create_role_groups(apps: Any, schema_editor: Any = None) -> None:
    """The migration step that makes the role groups on a new database.

    Permissions are normally created after all migrations have run; create those of every app
    in the migration's state now, so that the groups can be given them.
    """
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True  # what create_permissions looks for
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    sync_roles(apps)


def remove_role_groups(apps: Any, schema_editor: Any = None) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=[RESPONDER, PAGE_ADMIN]).delete()


def assign_role(user: Any, role: str, page: Any = None, *, actor: Any = "manage.py") -> Any:
    """Make `user` an operator with this role ("responder" or "admin") on `page` (by default
    the default page), replacing the role they held there. Returns the membership."""
    if role not in ROLES:
        raise ValueError(f"“{role}” is not a role; use one of {', '.join(ROLES)}.")
    if page is None:
        page = Page.objects.default()
        if page is None:
            raise ValueError("There is no default page yet; create a page first.")
    sync_roles()
    return set_membership(page=page, user=user, role=role, actor=actor)
