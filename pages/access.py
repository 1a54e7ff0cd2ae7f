"""Who may do what on which page.

A user's memberships (pages.models.Membership) say on which pages they work and with which
role; each role's group (pages.roles) says what that role may do. So a permission on a page is
granted when the user's role there has it, and a permission asked without a page (the admin's
index, a menu) when some role of theirs has it. Superusers may do everything everywhere.

Everything is read once per request: the user object is loaded afresh for each request, and the
answers are cached on it, so a membership removed now counts from the very next request.
"""

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission
from django.db.models import QuerySet

from .models import Membership, Page, Role

ROLE_GROUPS = {Role.RESPONDER: "Incident responders", Role.ADMIN: "Page admins"}


def memberships(user: Any) -> dict[str, str]:
    """{page id: role} for this user, cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_beacon_memberships", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("page_id", "role"))
        user._beacon_memberships = cached
    return cached


def forget(user: Any) -> None:
    """Drop what was cached on this user object (after changing their memberships)."""
    for name in ("_beacon_memberships", "_beacon_role_perms"):
        if hasattr(user, name):
            delattr(user, name)


def role_permissions(user: Any) -> dict[str, set[str]]:
    """{role: {"app.codename", ...}} from the role groups, cached on the user object."""
    cached = getattr(user, "_beacon_role_perms", None)
    if cached is None:
        names = {group: role for role, group in ROLE_GROUPS.items()}
        cached = {role: set() for role in ROLE_GROUPS}
        rows = Permission.objects.filter(group__name__in=names).values_list(
            "group__name", "content_type__app_label", "codename"
        )
        for group, app_label, codename in rows:
            cached[names[group]].add(f"{app_label}.{codename}")
        user._beacon_role_perms = cached
    return cached


def page_id_of(obj: Any) -> str | None:
    """The page a row belongs to: the page itself, or its `page_id`, or its owner's page."""
    if isinstance(obj, Page):
        return obj.pk
    if hasattr(obj, "page_id"):
        return obj.page_id
    for owner in ("incident", "maintenance", "event", "subscriber", "mapping", "component"):
        if hasattr(obj, f"{owner}_id"):
            return page_id_of(getattr(obj, owner))
    return None


def role_on(user: Any, page: Any) -> str | None:
    page_id = page if isinstance(page, str) else page_id_of(page)
    return memberships(user).get(page_id) if page_id else None


def has_page_perm(user: Any, perm: str, page: Any) -> bool:
    """Whether `user` may use `perm` ("app.codename") on `page` (a page, its id or a row)."""
    if not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    role = role_on(user, page)
    return role is not None and perm in role_permissions(user)[role]


def pages_with_perm(user: Any, perm: str | None = None) -> QuerySet[Page]:
    """The pages on which `user` may use `perm` (any role when None)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Page.objects.all()
    held = memberships(user)
    if perm is not None:
        granted = role_permissions(user)
        held = {page: role for page, role in held.items() if perm in granted[role]}
    return Page.objects.filter(pk__in=list(held))


def is_page_admin(user: Any, page: Any) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return role_on(user, page) == Role.ADMIN


class MembershipBackend(BaseBackend):
    """Django permissions from memberships: asked of a row, the role on the row's page; asked
    without one, any role the user holds."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not getattr(user_obj, "is_active", False) or user_obj.is_anonymous:
            return set()
        held = memberships(user_obj)
        if obj is not None:
            role = held.get(page_id_of(obj) or "")
            roles = {role} if role else set()
        else:
            roles = set(held.values())
        granted = role_permissions(user_obj) if roles else {}
        return set().union(*(granted[role] for role in roles))

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(p.startswith(app_label + ".") for p in self.get_all_permissions(user_obj))


def page_ids_with_role(user: Any, role: str) -> list[str]:
    return [page_id for page_id, held in memberships(user).items() if held == role]
