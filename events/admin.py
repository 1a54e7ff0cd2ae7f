from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from statuspage.admin_site import site

from .models import AuditEntry, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: nobody adds, changes or deletes it from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_repr", "where"]
    list_filter = ["action", "object_type", "actor_label", "page"]
    search_fields = ["object_repr", "object_id", "actor_label"]
    date_hierarchy = "at"

    @admin.display(description="page", ordering="page")
    def where(self, entry: AuditEntry) -> str:
        # Sign-ins and second factors concern the whole installation rather than one page.
        return str(entry.page) if entry.page_id else "Whole installation"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        entries = super().get_queryset(request).select_related("page")
        if not getattr(request.user, "is_superuser", False):
            # Other operators' sign-ins, addresses and second factors are for superusers.
            entries = entries.exclude(page__isnull=True)
        return entries


class PublishedFilter(admin.SimpleListFilter):
    title = "published"
    parameter_name = "published"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Published"), ("no", "Waiting")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "yes":
            return queryset.filter(published_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(published_at__isnull=True)
        return queryset


@admin.register(OutboxEvent, site=site)
class OutboxEventAdmin(ReadOnlyAdmin):
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
