from typing import Any

from django.contrib import admin
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import HttpRequest

from components.admin import status_badge
from pages.models import Page
from statuspage.admin_site import in_page_time, site
from statuspage.forms import zone_label
from updates.admin import Forms, StoryAdmin
from updates.models import PostedUpdate

from . import services
from .forms import (
    FIELD_MAP,
    CancelForm,
    MaintenanceUpdateForm,
    RescheduleForm,
    ScheduleMaintenanceForm,
)
from .models import ACTIVE, Maintenance, MaintenanceStatus


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "In progress"), ("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "active":
            return queryset.filter(status__in=ACTIVE)
        if self.value() == "upcoming":
            return queryset.filter(status=MaintenanceStatus.SCHEDULED)
        if self.value() == "past":
            return queryset.filter(status=MaintenanceStatus.COMPLETED)
        return queryset


@admin.register(Maintenance, site=site)
class MaintenanceAdmin(StoryAdmin):
    list_display = ["name", "status_display", "window_display", "components_display"]
    list_filter = [WhenFilter, "status"]
    search_fields = ["name"]
    add_template = "admin/maintenance/maintenance/schedule.html"
    change_template = "admin/maintenance/maintenance/change.html"
    field_map = FIELD_MAP
    save_refusal = "Maintenance is changed through its own forms."

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("page").prefetch_related("components")

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # In progress first, then upcoming (soonest first), then past (latest first).
        phase = Case(
            When(status__in=ACTIVE, then=Value(0)),
            When(status=MaintenanceStatus.SCHEDULED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        upcoming_start = Case(When(status=MaintenanceStatus.SCHEDULED, then=F("scheduled_for")))
        return [phase.asc(), upcoming_start.asc(nulls_last=True), "-scheduled_for"]

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: Maintenance) -> str:
        if obj.cancelled_at:
            return status_badge("cancelled", "Cancelled")
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="window", ordering="scheduled_for")
    def window_display(self, obj: Maintenance) -> str:
        start = in_page_time(obj.scheduled_for, obj.page)
        return f"{start} → {in_page_time(obj.scheduled_until, obj.page)}"

    @admin.display(description="components")
    def components_display(self, obj: Maintenance) -> str:
        return ", ".join(c.name for c in obj.components.all()) or "—"

    # The screens (StoryAdmin runs them).

    def add_form(self, request: HttpRequest, page: Page) -> ScheduleMaintenanceForm:
        if request.method == "POST":
            return ScheduleMaintenanceForm(request.POST, page=page)
        return ScheduleMaintenanceForm(page=page)

    def create(
        self, request: HttpRequest, page: Page, form: ScheduleMaintenanceForm
    ) -> tuple[Maintenance, str]:
        maintenance = services.schedule_maintenance(
            page=page, actor=request.user, **form.arguments()
        )
        return maintenance, f"Maintenance “{maintenance.name}” scheduled."

    def add_context(self, request: HttpRequest, page: Page) -> dict[str, Any]:
        return {"title": "Schedule maintenance", "zone": zone_label(page.tz)}

    def action_forms(self, request: HttpRequest, obj: Maintenance, data: Any, action: str) -> Forms:
        return {
            "update": MaintenanceUpdateForm(
                data if action == "update" else None,
                maintenance=obj,
                status=request.GET.get("status", ""),
                prefix="update",
            ),
            "reschedule": RescheduleForm(
                data if action == "reschedule" else None, maintenance=obj, prefix="reschedule"
            ),
            "cancel": CancelForm(data if action == "cancel" else None, prefix="cancel"),
        }

    def perform(self, request: HttpRequest, obj: Maintenance, action: str, form: Any) -> str:
        arguments = {"maintenance": obj, "actor": request.user, **form.arguments()}
        if action == "update":
            services.post_maintenance_update(**arguments)
            return "Update posted."
        if action == "reschedule":
            changed = services.change_maintenance(**arguments)
            return "Changes saved." if changed else "Nothing changed."
        services.cancel_maintenance(**arguments)
        return "Maintenance cancelled."

    def change_context(
        self, request: HttpRequest, obj: Maintenance, by_action: Forms, can_change: bool
    ) -> dict[str, Any]:
        is_open = obj.status != MaintenanceStatus.COMPLETED
        return {
            "maintenance": obj,
            "zone": zone_label(obj.page.tz),
            "window": self.window_display(obj),
            "can_change": can_change and is_open,
            "can_cancel": can_change and obj.status == MaintenanceStatus.SCHEDULED,
            "update_form": by_action["update"],
            "reschedule_form": by_action["reschedule"],
            "cancel_form": by_action["cancel"],
            # A maintenance under way is completed before it can go.
            "has_delete_permission": self.has_delete_permission(request, obj)
            and obj.status not in ACTIVE,
        }

    def delete_story(self, obj: Maintenance, actor: Any) -> None:
        services.delete_maintenance(maintenance=obj, actor=actor)

    def update_components(self, update: PostedUpdate) -> str:
        # Not listed: the scheduling update records the components as they stood, which
        # would read as a change.
        return ""
