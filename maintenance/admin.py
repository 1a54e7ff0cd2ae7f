from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from components.admin import status_badge
from pages.lookup import page_for
from pages.models import Page
from statuspage.admin_site import (
    ServiceModelAdmin,
    ServiceRejected,
    in_page_time,
    pretty_json,
    site,
)
from statuspage.forms import add_service_error, zone_label

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
class MaintenanceAdmin(ServiceModelAdmin):
    list_display = ["name", "status_display", "window_display", "components_display"]
    list_filter = [WhenFilter, "status"]
    search_fields = ["name"]

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

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise PermissionDenied("Maintenance is changed through its own forms.")

    def delete_model(self, request: HttpRequest, obj: Maintenance) -> None:
        try:
            services.delete_maintenance(maintenance=obj, actor=request.user)
        except ValidationError as error:
            raise ServiceRejected(error) from error

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for maintenance in queryset:
            try:
                services.delete_maintenance(maintenance=maintenance, actor=request.user)
            except ValidationError as error:
                messages.error(request, f"{maintenance}: {' '.join(error.messages)}")

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            **extra,
        }

    def _change_url(self, maintenance: Maintenance) -> str:
        return reverse(
            f"{self.admin_site.name}:maintenance_maintenance_change", args=[maintenance.pk]
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        pages = list(Page.objects.order_by("name"))
        wanted = request.GET.get("page") or request.POST.get("page")
        page = next((p for p in pages if p.pk == wanted), None) or page_for(request)
        if request.method == "POST":
            form = ScheduleMaintenanceForm(request.POST, page=page)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    maintenance = services.schedule_maintenance(
                        page=page,
                        name=data["name"],
                        scheduled_for=data["scheduled_for"],
                        scheduled_until=data["scheduled_until"],
                        body=data["message"],
                        components=data["components"],
                        auto_start=data["auto_start"],
                        auto_complete=data["auto_complete"],
                        set_components_under_maintenance=data["set_components_under_maintenance"],
                        remind_minutes_before=data["remind_minutes_before"],
                        deliver_notifications=data["notify"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    add_service_error(form, error, FIELD_MAP)
                else:
                    messages.success(request, f"Maintenance “{maintenance.name}” scheduled.")
                    return redirect(self._change_url(maintenance))
        else:
            form = ScheduleMaintenanceForm(page=page)
        context = self._context(
            request,
            title="Schedule maintenance",
            form=form,
            page=page,
            pages=pages,
            zone=zone_label(page.tz),
        )
        return TemplateResponse(request, "admin/maintenance/maintenance/schedule.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        maintenance = self.get_object(request, unquote(object_id))
        if maintenance is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_view_or_change_permission(request, maintenance):
            raise PermissionDenied
        can_change = self.has_change_permission(request, maintenance)
        action = request.POST.get("action", "") if request.method == "POST" else ""
        if action and not can_change:
            raise PermissionDenied
        data = request.POST if action else None
        page = maintenance.page
        update_form = MaintenanceUpdateForm(
            data if action == "update" else None,
            maintenance=maintenance,
            status=request.GET.get("status", ""),
            prefix="update",
        )
        reschedule_form = RescheduleForm(
            data if action == "reschedule" else None, maintenance=maintenance, prefix="reschedule"
        )
        cancel_form = CancelForm(data if action == "cancel" else None, prefix="cancel")

        if action == "update" and update_form.is_valid():
            cleaned = update_form.cleaned_data
            try:
                services.post_maintenance_update(
                    maintenance=maintenance,
                    status=cleaned["status"],
                    body=cleaned["message"],
                    deliver_notifications=cleaned["notify"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_error(update_form, error, FIELD_MAP)
            else:
                messages.success(request, "Update posted.")
                return redirect(self._change_url(maintenance))
        elif action == "reschedule" and reschedule_form.is_valid():
            cleaned = reschedule_form.cleaned_data
            try:
                changed = services.change_maintenance(
                    maintenance=maintenance,
                    name=cleaned["name"],
                    scheduled_for=cleaned["scheduled_for"],
                    scheduled_until=cleaned["scheduled_until"],
                    components=cleaned["components"],
                    auto_start=cleaned["auto_start"],
                    auto_complete=cleaned["auto_complete"],
                    set_components_under_maintenance=cleaned["set_components_under_maintenance"],
                    remind_minutes_before=cleaned["remind_minutes_before"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_error(reschedule_form, error, FIELD_MAP)
            else:
                messages.success(request, "Changes saved." if changed else "Nothing changed.")
                return redirect(self._change_url(maintenance))
        elif action == "cancel" and cancel_form.is_valid():
            try:
                services.cancel_maintenance(
                    maintenance=maintenance,
                    body=cancel_form.cleaned_data["message"],
                    notify=cancel_form.cleaned_data["notify"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_error(cancel_form, error, FIELD_MAP)
            else:
                messages.success(request, "Maintenance cancelled.")
                return redirect(self._change_url(maintenance))
        elif action and action not in ("update", "reschedule", "cancel"):
            messages.error(request, "That form action is not known; nothing was changed.")

        is_open = maintenance.status != MaintenanceStatus.COMPLETED
        context = self._context(
            request,
            title=maintenance.name,
            original=maintenance,
            object_id=maintenance.pk,
            maintenance=maintenance,
            page=page,
            zone=zone_label(page.tz),
            window=self.window_display(maintenance),
            can_change=can_change and is_open,
            can_cancel=can_change and maintenance.status == MaintenanceStatus.SCHEDULED,
            update_form=update_form,
            reschedule_form=reschedule_form,
            cancel_form=cancel_form,
            updates=[
                (u, in_page_time(u.display_at, page))
                for u in maintenance.updates.select_related("created_by")
            ],
            has_delete_permission=self.has_delete_permission(request, maintenance),
            metadata=pretty_json(maintenance.metadata),
        )
        return TemplateResponse(request, "admin/maintenance/maintenance/change.html", context)
