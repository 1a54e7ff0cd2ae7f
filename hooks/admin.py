from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pages.admin_scope import PageScopedAdmin
from statuspage.admin_site import DeletedByService, site

from .models import AlertMapping, FiringAlert
from .services import MAPPING_FIELDS, delete_alert_mapping, save_alert_mapping


@admin.register(AlertMapping, site=site)
class AlertMappingAdmin(DeletedByService, PageScopedAdmin):
    # Every field but the incident name template, the name first: it links to the mapping.
    list_display = ["name", *(f for f in MAPPING_FIELDS if f not in {"name", "incident_name"})]
    list_filter = ["page", "source", "enabled"]
    search_fields = ["name"]
    fields = list(MAPPING_FIELDS)

    def save_model(self, request: HttpRequest, obj: AlertMapping, form: Any, change: bool) -> None:
        save_alert_mapping(mapping=obj, actor=request.user)

    def delete_by_service(self, obj: AlertMapping, actor: Any) -> None:
        delete_alert_mapping(mapping=obj, actor=actor)


@admin.register(FiringAlert, site=site)
class FiringAlertAdmin(PageScopedAdmin):
    page_path = "mapping__page"
    """What the hooks are holding right now; read-only, written by the hooks alone."""

    list_display = [
        "mapping",
        "fingerprint",
        "previous_status",
        "incident",
        "started_at",
        "resolved_at",
    ]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
