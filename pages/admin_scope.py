"""The admin by page: each screen of rows that belong to a page lists, opens and changes only
the rows of pages the operator's role there allows, and its forms offer only those pages.

Every such ModelAdmin takes `PageScopedAdmin` first among its bases and names the path from its
model to the page (`page_path`). An operator who belongs to several pages picks a current page
in the header (pages/switcher.py); lists then show that page alone. A row of another page asked
for by URL answers 404, as a row that does not exist.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from .access import has_page_perm, memberships, role_permissions
from .lookup import page_for
from .models import Page

CURRENT_PAGE_KEY = "beacon_admin_page"


def current_page_id(request: HttpRequest) -> str | None:
    """The page the operator picked in the header, if they still belong to it."""
    session = getattr(request, "session", None)
    chosen = session.get(CURRENT_PAGE_KEY) if session is not None else None
    if not isinstance(chosen, str) or not chosen:
        return None
    user = request.user
    if user.is_superuser or chosen in memberships(user):
        return chosen
    return None


def page_ids_with(user: Any, perms: list[str]) -> list[str]:
    """Ids of the pages on which `user`'s role holds any of `perms` (not for superusers)."""
    granted = role_permissions(user)
    return [
        page_id
        for page_id, role in memberships(user).items()
        if any(perm in granted[role] for perm in perms)
    ]


def _host_page(request: HttpRequest) -> dict[str, Any]:
    try:
        return {"page": page_for(request).pk}
    except Exception:  # no page yet: the operator picks one
        return {}


class PageScopedAdmin(admin.ModelAdmin):
    # The lookup from the admin's model to its page: "page", "event__page", ... ("pk" for Page).
    page_path = "page"
    # A new row's page is first the page of the host the admin is reached at (the page switcher's
    # choice, or ?page=, still comes first).
    page_from_host = False

    def _perm(self, action: str) -> str:
        return f"{self.opts.app_label}.{get_permission_codename(action, self.opts)}"

    def _page_filter(self, page_ids: Any) -> dict[str, Any]:
        return {f"{self.page_path}__in": page_ids}

    def allowed_pages(self, request: HttpRequest, *actions: str) -> QuerySet[Page]:
        """The pages on which the operator may `actions` ("view", "add", ...) this model."""
        if request.user.is_superuser:
            return Page.objects.all()
        perms = [self._perm(action) for action in actions or ("view", "change")]
        return Page.objects.filter(pk__in=page_ids_with(request.user, perms))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            perms = [self._perm("view"), self._perm("change")]
            queryset = queryset.filter(**self._page_filter(page_ids_with(request.user, perms)))
        current = current_page_id(request)
        if current and getattr(request, "_beacon_listing", False):
            queryset = queryset.filter(**self._page_filter([current]))
        return queryset

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        request._beacon_listing = True  # type: ignore[attr-defined]
        try:
            return super().changelist_view(request, extra_context)
        finally:
            request._beacon_listing = False  # type: ignore[attr-defined]

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A relation's filter lists only what the operator's rows point at, never another
        # page's names.
        scoped = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and "__" not in entry:
                field = self.opts.get_field(entry)
                if field.is_relation:
                    entry = (entry, admin.RelatedOnlyFieldListFilter)
            scoped.append(entry)
        return scoped

    def _obj_allows(self, request: HttpRequest, action: str, obj: Any) -> bool:
        return has_page_perm(request.user, self._perm(action), obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_view_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return self._obj_allows(request, "view", obj) or self._obj_allows(request, "change", obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return self._obj_allows(request, "change", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return self._obj_allows(request, "delete", obj)

    def _limit_to_pages(self, request: HttpRequest, db_field: Any, kwargs: dict[str, Any]) -> None:
        related = db_field.related_model
        pages = self.allowed_pages(request, "add", "change")
        if related is Page:
            kwargs["queryset"] = pages
        elif any(f.name == "page" for f in related._meta.get_fields()):
            base = kwargs.get("queryset") or related._default_manager.all()
            kwargs["queryset"] = base.filter(page__in=pages)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit_to_pages(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit_to_pages(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> Any:
        # As for a row that does not exist: nothing says whether another page has it.
        raise Http404(f"No {opts.verbose_name} with that id.")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if self.page_from_host:
            initial = _host_page(request) | initial
        current = current_page_id(request)
        if current and self.page_path == "page" and "page" not in request.GET:
            initial["page"] = current
        return initial
