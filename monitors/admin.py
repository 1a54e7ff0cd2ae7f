"""Monitors in the admin: the list with each one's latest check, the form by kind, the last
results and the log of what each state change did, and the "Check now" button."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from components.models import Component
from pages.admin_scope import PageScopedAdmin
from statuspage.admin_site import DeletedByService, ServiceModelAdmin, ServiceRejected, site

from . import metrics, scheduling
from .editing import delete_monitor, save_monitor
from .forms import FIELDSETS, MonitorForm
from .models import (
    Metric,
    Monitor,
    MonitorKind,
    MonitorResult,
    MonitorState,
    MonitorTransition,
)

RESULTS_SHOWN = 50
HISTORY_POLL_SECONDS = 10
TRANSITIONS_SHOWN = 50
CHECK_PERMISSION = "monitors.check_monitor"
# On a monitor's change page these start folded, so that its history is near the top.
COLLAPSED = {"HTTP(S)", "DNS", "Regions", "Decisions"}
# A saved monitor's change page shows, read-only, how it is now (its own fieldset) and, in the
# Heartbeat fieldset, where to ping it.
NOW_FIELDS = (
    "state_display",
    "state_since_display",
    "last_checked_display",
    "latency_display",
    "last_error",
    "holds_display",
)
PING_FIELDS = ("ping_url_display", "last_ping_display")

STATE_BADGE = {
    MonitorState.UP: "operational",
    MonitorState.DEGRADED: "degraded_performance",
    MonitorState.DOWN: "major_outage",
    MonitorState.UNKNOWN: "",
}


def precise_time(value: datetime | None, page: Any) -> str:
    """ "2026-11-23 14:05:09 CET": checks come seconds apart."""
    if value is None:
        return "—"
    return value.astimezone(page.tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def latency_text(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def ping_url(monitor: Monitor) -> str:
    """The address a heartbeat's job calls, on the page's own public address."""
    where = reverse("heartbeat", args=[monitor.heartbeat_token or "-"])
    base = (monitor.page.url or settings.SITE_URL).rstrip("/")
    return base + where


class ComponentFilter(admin.RelatedOnlyFieldListFilter):
    """The components the operator's monitors watch, named with their groups in one query."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        watched = (
            model_admin.get_queryset(request).distinct().values_list("component__pk", flat=True)
        )
        components = Component.objects.filter(pk__in=watched).in_display_order()
        return [(component.pk, str(component)) for component in components]


@admin.register(Monitor, site=site)
class MonitorAdmin(DeletedByService, PageScopedAdmin, ServiceModelAdmin):
    form = MonitorForm
    list_display = [
        "name",
        "kind",
        "component",
        "enabled",
        "state_display",
        "last_checked_display",
        "latency_display",
        "error_display",
    ]
    list_filter = ["page", "kind", "state", "enabled", ("component", ComponentFilter)]
    list_select_related = ["component__group", "page"]
    search_fields = ["name", "target"]
    change_form_template = "admin/monitors/monitor/change_form.html"

    class Media:
        js = ["admin-beacon/monitors.js"]
        css = {"all": ["admin-beacon/monitors.css"]}

    # The list ---------------------------------------------------------------------------

    @admin.display(description="state", ordering="state")
    def state_display(self, obj: Monitor) -> str:
        return format_html(
            '<span class="beacon-status {}">{}</span>',
            STATE_BADGE.get(MonitorState(obj.state), ""),
            obj.get_state_display(),
        )

    @admin.display(description="last check", ordering="last_checked_at")
    def last_checked_display(self, obj: Monitor) -> str:
        when = obj.last_ping_at if obj.kind == MonitorKind.HEARTBEAT else obj.last_checked_at
        return precise_time(when, obj.page)

    @admin.display(description="latency", ordering="last_latency_ms")
    def latency_display(self, obj: Monitor) -> str:
        return latency_text(obj.last_latency_ms)

    @admin.display(description="last error")
    def error_display(self, obj: Monitor) -> str:
        error = obj.last_error or ""
        return error if len(error) <= 80 else error[:79] + "…"

    # The form ---------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        editable = obj is None or self.has_change_permission(request, obj)
        fieldsets: list[tuple[str, dict[str, Any]]] = []
        for title, names, kinds in FIELDSETS:
            if not editable and kinds is not None and obj.kind not in kinds:
                continue  # nobody will switch the kind here: show the monitor's own only
            fields = list(names)
            classes = ["beacon-monitor-fields"]
            if kinds is not None:
                classes += [f"beacon-for-{kind}" for kind in kinds]
            if obj is not None and title in COLLAPSED:
                classes.append("collapse")  # opened again by Django when it has an error
            if title == "Heartbeat" and obj is not None:
                fields += PING_FIELDS
            fieldsets.append((title, {"fields": fields, "classes": classes}))
        if obj is not None:
            fieldsets.insert(1, ("Now", {"fields": list(NOW_FIELDS)}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["page"] if obj else []
        if obj is not None:
            readonly += [*NOW_FIELDS, *PING_FIELDS]
        return readonly

    @admin.display(description="since")
    def state_since_display(self, obj: Monitor) -> str:
        return precise_time(obj.state_since, obj.page)

    @admin.display(description="holds")
    def holds_display(self, obj: Monitor) -> str:
        if not obj.applied_status:
            return "Nothing: the component's status is not this monitor's."
        return (
            f"The component's status ({obj.applied_status.replace('_', ' ')}); it gives back "
            f"{(obj.previous_status or 'operational').replace('_', ' ')} on recovery."
        )

    @admin.display(description="ping URL")
    def ping_url_display(self, obj: Monitor) -> str:
        if obj.kind != MonitorKind.HEARTBEAT or not obj.heartbeat_token:
            return "—"
        return format_html(
            '<input type="text" readonly class="vTextField beacon-copy" value="{}" '
            'aria-label="Ping URL"> <span class="help">GET or POST it from the job.</span>',
            ping_url(obj),
        )

    @admin.display(description="last ping")
    def last_ping_display(self, obj: Monitor) -> str:
        return precise_time(obj.last_ping_at, obj.page) if obj.last_ping_at else "Never"

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if "page" not in initial:
            pages = self.allowed_pages(request, "add")
            if len(pages[:2]) == 1:
                initial["page"] = pages[0].pk
        return initial

    def save_model(self, request: HttpRequest, obj: Monitor, form: Any, change: bool) -> None:
        try:
            save_monitor(monitor=obj, actor=request.user)
        except ValidationError as error:
            raise ServiceRejected(error) from error

    def delete_by_service(self, obj: Monitor, actor: Any) -> None:
        delete_monitor(monitor=obj, actor=actor)

    # The change page: results, transitions, "Check now" ----------------------------------

    def get_urls(self) -> list[Any]:
        check = self.admin_site.admin_view(require_POST(self.check_now_view))
        recent = self.admin_site.admin_view(require_GET(self.recent_view))
        return [
            path("<path:object_id>/check/", check, name="monitors_monitor_check"),
            path("<path:object_id>/recent/", recent, name="monitors_monitor_recent"),
            *super().get_urls(),
        ]

    def may_check(self, request: HttpRequest, obj: Monitor) -> bool:
        return request.user.has_perm(CHECK_PERMISSION, obj)

    def check_now_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        monitor = self.get_object(request, unquote(object_id))
        if monitor is None or not self.has_view_permission(request, monitor):
            raise Http404("No monitor with that id.")
        if not self.may_check(request, monitor):
            raise PermissionDenied
        change_url = reverse("admin:monitors_monitor_change", args=[monitor.pk])
        if monitor.kind == MonitorKind.HEARTBEAT:
            self.message_user(
                request, "A heartbeat is not checked: it waits for its job to call.", messages.INFO
            )
        elif not monitor.enabled:
            self.message_user(
                request, "This monitor is disabled; enable it to check it.", messages.WARNING
            )
        else:
            scheduling.request_check(monitor=monitor, actor=request.user)
            self.message_user(
                request, f"{monitor.name} is due now: a worker checks it next.", messages.SUCCESS
            )
        return HttpResponseRedirect(change_url)

    def recent_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The results and transitions alone, for the change page to refresh them in place."""
        monitor = self.get_object(request, unquote(object_id))
        if monitor is None or not self.has_view_permission(request, monitor):
            raise Http404("No monitor with that id.")
        context = self.history_context(request, monitor)
        if request.GET.get("since") == context["history_marker"]:
            return HttpResponse(status=204)
        return TemplateResponse(
            request, f"{self.change_form_template}#history", {**context, "change": True}
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        monitor = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if monitor is not None and self.has_view_permission(request, monitor):
            extra.update(self.history_context(request, monitor))
        return super().change_view(request, object_id, form_url, extra)

    def history_context(self, request: HttpRequest, monitor: Monitor) -> dict[str, Any]:
        page = monitor.page
        results = [
            {
                "at": precise_time(r.checked_at, page),
                "iso": r.checked_at.isoformat(),
                "region": r.region or "any",
                "verdict": r.verdict,
                "verdict_label": r.get_verdict_display(),
                "badge": STATE_BADGE.get(MonitorState(r.verdict), ""),
                "latency": latency_text(r.latency_ms),
                "status_code": r.status_code or "",
                "error": r.error,
            }
            for r in MonitorResult.objects.filter(monitor=monitor).order_by("-checked_at", "-id")[
                :RESULTS_SHOWN
            ]
        ]
        transitions = []
        for t in (
            MonitorTransition.objects.filter(monitor=monitor)
            .select_related("incident")
            .order_by("-at", "-id")[:TRANSITIONS_SHOWN]
        ):
            transitions.append(
                {
                    "at": precise_time(t.at, page),
                    "iso": t.at.isoformat(),
                    "region": t.region or "overall",
                    "old": MonitorState(t.old_state).label,
                    "new": MonitorState(t.new_state).label,
                    "new_badge": STATE_BADGE.get(MonitorState(t.new_state), ""),
                    "action": t.get_action_display(),
                    "component_status": t.component_status.replace("_", " "),
                    "incident": t.incident,
                    "incident_url": (
                        reverse("admin:incidents_incident_change", args=[t.incident.pk])
                        if t.incident is not None
                        else ""
                    ),
                    "detail": t.detail,
                }
            )
        newest_result = MonitorResult.objects.filter(monitor=monitor).order_by("-id").first()
        newest_transition = (
            MonitorTransition.objects.filter(monitor=monitor).order_by("-id").first()
        )
        return {
            "history_url": reverse("admin:monitors_monitor_recent", args=[monitor.pk]),
            # Changes when a result or a transition is added (or purged).
            "history_marker": (
                f"{newest_result.pk if newest_result else 0}-"
                f"{newest_transition.pk if newest_transition else 0}-{len(results)}"
            ),
            "history_poll_seconds": HISTORY_POLL_SECONDS,
            "monitor_results": results,
            "monitor_transitions": transitions,
            "results_shown": RESULTS_SHOWN,
            "can_check": (
                self.may_check(request, monitor)
                and monitor.enabled
                and monitor.kind != MonitorKind.HEARTBEAT
            ),
            "check_url": reverse("admin:monitors_monitor_check", args=[monitor.pk]),
        }


@admin.register(Metric, site=site)
class MetricAdmin(DeletedByService, PageScopedAdmin, ServiceModelAdmin):
    """Statuspage's system metrics: series pushed through the metrics API, or drawn from a
    monitor's response times, charted on the public page when shown."""

    list_display = ["name", "page", "component", "monitor", "display", "most_recent_data_at"]
    list_filter = ["page", "display"]
    search_fields = ["name"]
    fields = ["page", *metrics.EDITABLE, "id", "most_recent_data_at"]
    readonly_fields = ["id", "most_recent_data_at"]
    actions = ["reset_data"]
    service_field_map = {"component_id": "component", "monitor_id": "monitor"}

    def save_model(self, request: HttpRequest, obj: Metric, form: Any, change: bool) -> None:
        values = {field: getattr(obj, field) for field in metrics.EDITABLE}
        try:
            if change:
                stored = Metric.objects.get(pk=obj.pk)
                metrics.update_metric(metric=stored, actor=request.user, **values)
            else:
                name = values.pop("name")
                created = metrics.create_metric(
                    page=obj.page, actor=request.user, name=name, **values
                )
                obj.pk = created.pk
        except ValidationError as error:
            raise ServiceRejected(error) from error

    def delete_by_service(self, obj: Metric, actor: Any) -> None:
        metrics.delete_metric(metric=obj, actor=actor)

    @admin.action(description="Delete the data points of the selected metrics")
    def reset_data(self, request: HttpRequest, queryset: QuerySet) -> None:
        deleted = sum(
            metrics.reset_metric_data(metric=metric, actor=request.user) for metric in queryset
        )
        self.message_user(request, f"{deleted} data points deleted.", messages.SUCCESS)
