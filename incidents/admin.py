from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Max, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from components.admin import status_badge
from pages.admin_scope import PageScopedAdmin
from pages.models import Page
from statuspage.admin_site import DeletedByService, in_page_time, site
from statuspage.forms import add_service_error
from updates.admin import Forms, StoryAdmin

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

POSTMORTEM_ACTIONS = ("save_postmortem", "publish_postmortem")


def _template_from(request: HttpRequest, page: Page) -> IncidentTemplate | None:
    """The template named by ?template=<id>, if it is one of this page's."""
    raw = request.GET.get("template", "")
    if not raw:
        return None
    template = IncidentTemplate.objects.filter(page=page, pk=raw).first() if raw.isdigit() else None
    if template is None:
        messages.warning(request, "That incident template does not exist; the form is blank.")
    return template


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
class IncidentAdmin(StoryAdmin):
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
    add_template = "admin/incidents/incident/open.html"
    change_template = "admin/incidents/incident/change.html"
    field_map = FIELD_MAP
    save_refusal = "Incidents are changed through the incident page's forms."

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

    # The screens (StoryAdmin runs them).

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

    def add_form(self, request: HttpRequest, page: Page) -> OpenIncidentForm:
        if request.method == "POST":
            return OpenIncidentForm(request.POST, page=page)
        template = _template_from(request, page)
        return OpenIncidentForm(initial=template_initial(template, opening=True), page=page)

    def create(
        self, request: HttpRequest, page: Page, form: OpenIncidentForm
    ) -> tuple[Incident, str]:
        incident = services.open_incident(page=page, actor=request.user, **form.arguments())
        return incident, f"Incident “{incident.name}” opened."

    def add_context(self, request: HttpRequest, page: Page) -> dict[str, Any]:
        templates = list(IncidentTemplate.objects.filter(page=page))
        return {"title": "Open incident", "templates": templates, "add": True}

    def _can_postmortem(self, request: HttpRequest, incident: Incident) -> bool:
        return self.has_change_permission(request, incident) and request.user.has_perms(
            ["incidents.add_postmortem", "incidents.change_postmortem"], incident
        )

    def check_action(self, request: HttpRequest, obj: Incident, action: str) -> None:
        if action in POSTMORTEM_ACTIONS and not self._can_postmortem(request, obj):
            raise PermissionDenied

    def action_forms(self, request: HttpRequest, obj: Incident, data: Any, action: str) -> Forms:
        template = None if action else _template_from(request, obj.page)
        postmortem_form = PostmortemForm(
            data if action in POSTMORTEM_ACTIONS else None,
            postmortem=Postmortem.objects.filter(incident=obj).first(),
            prefix="postmortem",
        )
        return {
            "update": PostUpdateForm(
                data if action == "update" else None,
                incident=obj,
                resolve=request.GET.get("resolve") == "1",
                template=template,
                prefix="update",
            ),
            "details": IncidentDetailsForm(
                data if action == "details" else None, incident=obj, prefix="details"
            ),
            "save_postmortem": postmortem_form,
            "publish_postmortem": postmortem_form,
        }

    def perform(self, request: HttpRequest, obj: Incident, action: str, form: Any) -> str:
        if action == "update":
            services.post_incident_update(incident=obj, actor=request.user, **form.arguments())
            return "Update posted."
        if action == "details":
            changed = services.change_incident(incident=obj, actor=request.user, **form.arguments())
            return "Details saved." if changed else "Nothing changed."
        if action == "publish_postmortem":
            services.publish_postmortem(incident=obj, actor=request.user, **form.arguments())
            return "Postmortem published."
        body = form.cleaned_data["body"]
        services.save_postmortem(incident=obj, body=body, actor=request.user)
        return "Postmortem draft saved."

    def action_field_map(self, action: str) -> dict[str, str]:
        return {} if action in POSTMORTEM_ACTIONS else FIELD_MAP

    def change_context(
        self, request: HttpRequest, obj: Incident, by_action: Forms, can_change: bool
    ) -> dict[str, Any]:
        page = obj.page
        postmortem_form = cast(PostmortemForm, by_action["save_postmortem"])
        return {
            "subtitle": None,
            "incident": obj,
            "can_postmortem": self._can_postmortem(request, obj),
            "update_form": by_action["update"],
            "details_form": by_action["details"],
            "postmortem": postmortem_form.postmortem,
            "postmortem_form": postmortem_form,
            "templates": IncidentTemplate.objects.filter(page=page),
            "started": in_page_time(obj.started_at, page),
            "last_reminder": in_page_time(obj.last_reminder_at, page)
            if obj.last_reminder_at
            else None,
        }

    def delete_story(self, obj: Incident, actor: Any) -> None:
        services.delete_incident(incident=obj, actor=actor)

    def edit_update_view(self, request: HttpRequest, object_id: str, update_id: str) -> Any:
        incident = self.get_object(request, unquote(object_id))
        if incident is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        update = get_object_or_404(IncidentUpdate, incident=incident, pk=update_id)
        if request.method == "POST":
            form = EditUpdateForm(request.POST, page=incident.page)
            if form.is_valid():
                try:
                    changed = services.edit_incident_update(
                        update=update, actor=request.user, **form.arguments()
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
class IncidentTemplateAdmin(DeletedByService, PageScopedAdmin):
    page_from_host = True
    list_display = ["name", "title", "status", "page", "use_links"]
    list_filter = ["page", "status"]
    search_fields = ["name", "title", "body"]

    @admin.display(description="use")
    def use_links(self, obj: IncidentTemplate) -> str:
        add = reverse(f"{self.admin_site.name}:incidents_incident_add")
        return format_html_join(
            " ", '<a href="{}?template={}&page={}">{}</a>', [(add, obj.pk, obj.page_id, "Open")]
        )

    def save_model(
        self, request: HttpRequest, obj: IncidentTemplate, form: Any, change: bool
    ) -> None:
        services.save_incident_template(template=obj, actor=request.user)

    def delete_by_service(self, obj: IncidentTemplate, actor: Any) -> None:
        services.delete_incident_template(template=obj, actor=actor)
