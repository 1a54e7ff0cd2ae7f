from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Max, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from components.admin import status_badge
from components.models import ComponentStatus
from pages.lookup import page_for
from pages.models import Page
from statuspage.admin_site import (
    ServiceModelAdmin,
    ServiceRejected,
    in_page_time,
    pretty_json,
    site,
)
from statuspage.forms import add_service_error

from . import services
from .forms import (
    FIELD_MAP,
    EditUpdateForm,
    IncidentDetailsForm,
    OpenIncidentForm,
    PostmortemForm,
    PostUpdateForm,
    template_initial,
)
from .models import UNRESOLVED, Impact, Incident, IncidentTemplate, IncidentUpdate, Postmortem


def _template_from(request: HttpRequest, page: Page) -> IncidentTemplate | None:
    """The template named by ?template=<id>, if it is one of this page's."""
    raw = request.GET.get("template", "")
    if not raw:
        return None
    template = IncidentTemplate.objects.filter(page=page, pk=raw).first() if raw.isdigit() else None
    if template is None:
        messages.warning(request, "That incident template does not exist; the form is blank.")
    return template


def _transitions_text(update: IncidentUpdate) -> str:
    """ "API: major outage, Dashboard: operational" for an update's component statuses."""
    labels = dict(ComponentStatus.choices)
    return ", ".join(
        f"{t.get('name', '?')}: {labels.get(t.get('new_status', ''), t.get('new_status', '?'))}"
        for t in update.affected_components or []
    )


class ImpactFilter(admin.SimpleListFilter):
    """By the impact readers see: the override when there is one, else the computed one."""

    title = "impact"
    parameter_name = "impact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(Impact.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() not in Impact.values:
            return queryset
        return queryset.filter(
            Q(impact_override=self.value()) | Q(impact_override="", impact=self.value())
        )


@admin.register(Incident, site=site)
class IncidentAdmin(ServiceModelAdmin):
    list_display = [
        "name",
        "status_display",
        "impact_display",
        "components_display",
        "started_display",
        "last_update_display",
    ]
    list_filter = ["status", ImpactFilter]
    search_fields = ["name"]
    list_per_page = 50

    # The changelist.

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("page")
            .prefetch_related("components")
            .annotate(last_update_at=Max("updates__display_at"))
        )

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # Unresolved incidents first: they are what an operator came for.
        unresolved_first = Case(
            When(status__in=UNRESOLVED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [unresolved_first.asc(), "-created_at"]

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: Incident) -> str:
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="impact", ordering="impact")
    def impact_display(self, obj: Incident) -> str:
        impact = obj.effective_impact
        return status_badge(impact, impact.capitalize())

    @admin.display(description="affected components")
    def components_display(self, obj: Incident) -> str:
        return ", ".join(c.name for c in obj.components.all()) or "—"

    @admin.display(description="started", ordering="started_at")
    def started_display(self, obj: Incident) -> str:
        return in_page_time(obj.started_at, obj.page)

    @admin.display(description="last update", ordering="last_update_at")
    def last_update_display(self, obj: Incident) -> str:
        return in_page_time(getattr(obj, "last_update_at", None), obj.page)

    def delete_model(self, request: HttpRequest, obj: Incident) -> None:
        try:
            services.delete_incident(incident=obj, actor=request.user)
        except ValidationError as error:
            raise ServiceRejected(error) from error

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for incident in queryset:
            services.delete_incident(incident=incident, actor=request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise PermissionDenied("Incidents are changed through the incident page's forms.")

    # Custom screens.

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/updates/<str:update_id>/",
                self.admin_site.admin_view(self.edit_update_view),
                name=f"{info[0]}_{info[1]}_edit_update",
            ),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def _change_url(self, incident: Incident) -> str:
        return reverse(f"{self.admin_site.name}:incidents_incident_change", args=[incident.pk])

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        pages = list(Page.objects.order_by("name"))
        wanted = request.GET.get("page") or request.POST.get("page")
        page = next((p for p in pages if p.pk == wanted), None) or page_for(request)
        templates = list(IncidentTemplate.objects.filter(page=page))
        if request.method == "POST":
            form = OpenIncidentForm(request.POST, page=page)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    incident = services.open_incident(
                        page=page,
                        name=data["name"],
                        body=data["message"],
                        status=data["status"],
                        component_statuses=form.component_statuses(),
                        impact_override=data["impact_override"],
                        started_at=data.get("started_at"),
                        deliver_notifications=data["notify"],
                        backfilled=data["backfilled"],
                        reminder_intervals=data["reminder_intervals"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    add_service_error(form, error, FIELD_MAP)
                else:
                    messages.success(request, f"Incident “{incident.name}” opened.")
                    return redirect(self._change_url(incident))
        else:
            template = _template_from(request, page)
            form = OpenIncidentForm(initial=template_initial(template, opening=True), page=page)
        context = self._context(
            request,
            title="Open incident",
            form=form,
            page=page,
            pages=pages,
            templates=templates,
            add=True,
        )
        return TemplateResponse(request, "admin/incidents/incident/open.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        incident = self.get_object(request, unquote(object_id))
        if incident is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_view_or_change_permission(request, incident):
            raise PermissionDenied
        can_change = self.has_change_permission(request, incident)
        page = incident.page
        action = request.POST.get("action", "") if request.method == "POST" else ""
        can_postmortem = can_change and request.user.has_perms(
            ["incidents.add_postmortem", "incidents.change_postmortem"]
        )
        if action and not can_change:
            raise PermissionDenied
        if action in ("save_postmortem", "publish_postmortem") and not can_postmortem:
            raise PermissionDenied
        data = request.POST if action else None

        template = None if action else _template_from(request, page)
        update_form = PostUpdateForm(
            data if action == "update" else None,
            incident=incident,
            resolve=request.GET.get("resolve") == "1",
            template=template,
            prefix="update",
        )
        details_form = IncidentDetailsForm(
            data if action == "details" else None, incident=incident, prefix="details"
        )
        postmortem = Postmortem.objects.filter(incident=incident).first()
        postmortem_form = PostmortemForm(
            data if action in ("save_postmortem", "publish_postmortem") else None,
            initial={"body": postmortem.body} if postmortem else None,
            prefix="postmortem",
        )

        if action == "update" and update_form.is_valid():
            cleaned = update_form.cleaned_data
            try:
                services.post_incident_update(
                    incident=incident,
                    status=cleaned["status"],
                    body=cleaned["message"],
                    component_statuses=update_form.component_statuses(),
                    deliver_notifications=cleaned["notify"],
                    reopen=cleaned.get("reopen", False),
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_error(update_form, error, FIELD_MAP)
            else:
                messages.success(request, "Update posted.")
                return redirect(self._change_url(incident))
        elif action == "details" and details_form.is_valid():
            cleaned = details_form.cleaned_data
            try:
                changed = services.change_incident(
                    incident=incident,
                    name=cleaned["name"],
                    impact_override=cleaned["impact_override"],
                    started_at=cleaned["started_at"],
                    components=cleaned["components"],
                    reminder_intervals=cleaned["reminder_intervals"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_error(details_form, error, FIELD_MAP)
            else:
                messages.success(request, "Details saved." if changed else "Nothing changed.")
                return redirect(self._change_url(incident))
        elif action in ("save_postmortem", "publish_postmortem") and postmortem_form.is_valid():
            cleaned = postmortem_form.cleaned_data
            try:
                if action == "publish_postmortem":
                    services.publish_postmortem(
                        incident=incident,
                        body=cleaned["body"],
                        notify=cleaned["notify"],
                        actor=request.user,
                    )
                    done = "Postmortem published."
                else:
                    services.save_postmortem(
                        incident=incident, body=cleaned["body"], actor=request.user
                    )
                    done = "Postmortem draft saved."
            except ValidationError as error:
                add_service_error(postmortem_form, error, {})
            else:
                messages.success(request, done)
                return redirect(self._change_url(incident))
        elif action and action not in (
            "update",
            "details",
            "save_postmortem",
            "publish_postmortem",
        ):
            messages.error(request, "That form action is not known; nothing was changed.")

        updates = incident.updates.select_related("created_by")
        context = self._context(
            request,
            title=incident.name,
            subtitle=None,
            original=incident,
            object_id=incident.pk,
            incident=incident,
            page=page,
            can_change=can_change,
            can_postmortem=can_postmortem,
            update_form=update_form,
            details_form=details_form,
            postmortem=postmortem,
            postmortem_form=postmortem_form,
            updates=[(u, in_page_time(u.display_at, page), _transitions_text(u)) for u in updates],
            templates=IncidentTemplate.objects.filter(page=page),
            started=in_page_time(incident.started_at, page),
            metadata=pretty_json(incident.metadata),
            last_reminder=in_page_time(incident.last_reminder_at, page)
            if incident.last_reminder_at
            else None,
            has_delete_permission=self.has_delete_permission(request, incident),
        )
        return TemplateResponse(request, "admin/incidents/incident/change.html", context)

    def edit_update_view(self, request: HttpRequest, object_id: str, update_id: str) -> Any:
        incident = self.get_object(request, unquote(object_id))
        if incident is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        update = get_object_or_404(IncidentUpdate, incident=incident, pk=update_id)
        if request.method == "POST":
            form = EditUpdateForm(request.POST, page=incident.page)
            if form.is_valid():
                try:
                    changed = services.edit_incident_update(
                        update=update,
                        body=form.cleaned_data["message"],
                        display_at=form.cleaned_data["display_at"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    add_service_error(form, error, {**FIELD_MAP, "display_at": "display_at"})
                else:
                    messages.success(request, "Update edited." if changed else "Nothing changed.")
                    return redirect(self._change_url(incident))
        else:
            form = EditUpdateForm(
                initial={"message": update.body, "display_at": update.display_at},
                page=incident.page,
            )
        context = self._context(
            request,
            title=f"Edit update on “{incident.name}”",
            incident=incident,
            original=incident,
            update=update,
            form=form,
        )
        return TemplateResponse(request, "admin/incidents/incident/edit_update.html", context)


@admin.register(IncidentTemplate, site=site)
class IncidentTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "status", "page", "use_links"]
    list_filter = ["page", "status"]
    search_fields = ["name", "title", "body"]

    @admin.display(description="use")
    def use_links(self, obj: IncidentTemplate) -> str:
        add = reverse(f"{self.admin_site.name}:incidents_incident_add")
        return format_html_join(
            " ", '<a href="{}?template={}&page={}">{}</a>', [(add, obj.pk, obj.page_id, "Open")]
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        try:
            initial = {"page": page_for(request).pk}
        except Exception:
            initial = {}
        return initial | super().get_changeform_initial_data(request)

    def save_model(
        self, request: HttpRequest, obj: IncidentTemplate, form: Any, change: bool
    ) -> None:
        services.save_incident_template(template=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: IncidentTemplate) -> None:
        services.delete_incident_template(template=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for template in queryset:
            services.delete_incident_template(template=template, actor=request.user)
