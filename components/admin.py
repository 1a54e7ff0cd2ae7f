from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from pages.admin_scope import PageScopedAdmin
from statuspage.admin_site import DeletedByService, ServiceModelAdmin, ServiceRejected, site

from . import services
from .models import Component, ComponentGroup, ComponentStatus

DISPLAY_ORDER = [F("group__position").asc(nulls_first=True), "group__name", "position", "name"]


def status_badge(status: str, label: str) -> str:
    return format_html('<span class="beacon-status {}">{}</span>', status, label)


def _status_action(status: ComponentStatus) -> Any:
    def action(modeladmin: "ComponentAdmin", request: HttpRequest, queryset: QuerySet) -> None:
        try:
            changed = services.set_status_across_pages(
                components=queryset.select_related("page"), status=status, actor=request.user
            )
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        if changed:
            modeladmin.message_user(
                request,
                f"{len(changed)} component(s) set to {status.label.lower()}.",
                messages.SUCCESS,
            )
        else:
            modeladmin.message_user(
                request, f"Those components were already {status.label.lower()}.", messages.INFO
            )

    action.__name__ = f"set_status_{status.value}"
    return admin.action(
        description=f"Set status to: {status.label.lower()}",
        permissions=["change_status"],
    )(action)


@admin.register(Component, site=site)
class ComponentAdmin(PageScopedAdmin, ServiceModelAdmin):
    page_from_host = True
    list_display = ["name", "group", "status_display", "position", "showcase"]
    list_display_links = ["name"]
    list_filter = ["status", "group"]
    search_fields = ["name"]
    actions = [_status_action(status) for status in ComponentStatus]
    fields = [
        "page",
        "name",
        "description",
        "group",
        "position",
        "status",
        "showcase",
        "only_show_if_degraded",
        "start_date",
    ]

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: Component) -> str:
        return status_badge(obj.status, obj.get_status_display())

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("group", "page")

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return DISPLAY_ORDER

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = ["page"] if obj else []
        if obj and not request.user.has_perm("components.change_component_status", obj):
            readonly.append("status")
        return readonly

    def has_change_status_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("components.change_component_status")

    def save_model(self, request: HttpRequest, obj: Component, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {f: data[f] for f in services.EDITABLE_FIELDS if f in data}
        try:
            if change:
                changes = {f: v for f, v in fields.items() if f in form.changed_data}
                if "group" in changes and "position" in fields:
                    changes.setdefault("position", fields["position"])  # as the form shows it
                status_changed = "status" in form.changed_data and "status" in data
                services.edit_component(
                    component=obj,
                    actor=request.user,
                    status=data["status"] if status_changed else None,
                    **changes,
                )
            else:
                created = services.create_component(
                    page=data["page"],
                    actor=request.user,
                    status=data.get("status") or ComponentStatus.OPERATIONAL,
                    **fields,
                )
                obj.pk = created.pk
                obj._state.adding = False
        except ValidationError as error:
            raise ServiceRejected(error) from error

    def delete_model(self, request: HttpRequest, obj: Component) -> None:
        try:
            services.delete_component(component=obj, actor=request.user)
        except ValidationError as error:
            raise ServiceRejected(error) from error

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for component in queryset:
            services.delete_component(component=component, actor=request.user)


@admin.register(ComponentGroup, site=site)
class ComponentGroupAdmin(DeletedByService, PageScopedAdmin, ServiceModelAdmin):
    page_from_host = True
    list_display = ["name", "page", "position"]
    fields = ["page", "name", "description", "position"]
    ordering = ["position", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["page"] if obj else []

    def save_model(
        self, request: HttpRequest, obj: ComponentGroup, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        try:
            if change:
                changes = {
                    f: data[f]
                    for f in ("name", "description", "position")
                    if f in form.changed_data
                }
                services.update_group(group=obj, actor=request.user, **changes)
            else:
                created = services.create_group(
                    page=data["page"],
                    name=data["name"],
                    description=data.get("description", ""),
                    position=data.get("position"),
                    actor=request.user,
                )
                obj.pk = created.pk
                obj._state.adding = False
        except ValidationError as error:
            raise ServiceRejected(error) from error

    def delete_by_service(self, obj: ComponentGroup, actor: Any) -> None:
        services.delete_group(group=obj, actor=actor)
