from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html

from events.admin import PublishedFilter, ReadOnlyAdmin
from events.models import AuditEntry, OutboxEvent
from statuspage.admin_site import ServiceModelAdmin, ServiceRejected, site

from .access import page_ids_with_role
from .admin_scope import PageScopedAdmin
from .forms import PageForm
from .models import SIGNUP_SWITCHES, Page, Role
from .services import save_page
from .team_views import team_view


@admin.register(Page, site=site)
class PageAdmin(PageScopedAdmin, ServiceModelAdmin):
    """Page settings: page admins only (responders may look, through the view permission)."""

    page_path = "pk"
    form = PageForm
    list_display = ["name", "url", "time_zone", "is_default", "team_link"]
    fieldsets = [
        (None, {"fields": ["name", "url", "domain", "extra_domains", "is_default", "time_zone"]}),
        ("Branding", {"fields": ["logo", "brand_colour", "support_url", "footer_links"]}),
        ("Feeds", {"fields": ["allow_rss_atom_feeds"]}),
        (
            "Visibility",
            {
                "fields": ["is_private", "allowed_networks", "viewer_emails", "viewer_oidc"],
                "description": "Who may see the page. Leave all of it empty for a public page. "
                "Private: only signed-in viewers (addresses or @domains listed below) see the "
                "page and everything under it, including the API, feeds, calendar, badge and "
                "embed; each viewer gets personal feed links. Networks alone: only requests "
                "from those IP ranges see it. Both: those networks see it without signing in, "
                "everyone else signs in. Making the page private or public again, or removing "
                "a viewer, signs every viewer out.",
            },
        ),
        (
            "Subscriptions",
            {
                "fields": list(SIGNUP_SWITCHES),
                "description": "Whether visitors may sign themselves up. Switching one off "
                "stops new sign-ups only: existing subscribers keep getting notifications, "
                "and you can still add subscribers by hand.",
            },
        ),
    ]

    @admin.display(description="team")
    def team_link(self, obj: Page) -> str:
        return format_html('<a href="{}">Team</a>', reverse("admin:pages_page_team", args=[obj.pk]))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<str:page_id>/team/",
                self.admin_site.admin_view(team_view),
                name="pages_page_team",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Page, form: Any, change: bool) -> None:
        try:
            save_page(page=obj, actor=request.user)
        except ValidationError as error:
            raise ServiceRejected(error) from error


@admin.register(User, site=site)
class BeaconUserAdmin(UserAdmin):
    """Superusers manage every account. A page admin sees the accounts of their pages' teams
    and may change their names and addresses, never their groups, permissions or staff
    status: roles are given on each page's team screen."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        pages = page_ids_with_role(request.user, Role.ADMIN)
        return queryset.filter(memberships__page__in=pages, is_superuser=False).distinct()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return readonly

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> Any:
        raise Http404("No user with that id.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New operators join through an invitation to a page's team.
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Group, site=site)
class BeaconGroupAdmin(GroupAdmin):
    """The role groups define what each role may do: superusers only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(PageScopedAdmin, ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_repr", "where"]
    list_filter = ["action", "object_type", "actor_label", "page"]
    search_fields = ["object_repr", "object_id", "actor_label"]
    date_hierarchy = "at"

    @admin.display(description="page", ordering="page")
    def where(self, entry: AuditEntry) -> str:
        # Sign-ins and second factors concern the whole installation rather than one page;
        # only superusers see those (PageScopedAdmin keeps others to their pages' entries).
        return str(entry.page) if entry.page_id else "Whole installation"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("page")


@admin.register(OutboxEvent, site=site)
class OutboxEventAdmin(PageScopedAdmin, ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "subject_type",
        "subject_id",
        "notify",
        "created_at",
        "published_at",
    ]
    list_filter = ["kind", "notify", PublishedFilter, "page"]
    search_fields = ["subject_id"]
    date_hierarchy = "created_at"
