"""The admin screens incidents and maintenance share.

Neither uses Django's change form: a story is opened (or scheduled) on a page of its own, and
its change page holds one small form per action (post an update, change the details, ...), each
posted with an `action` field and mapped onto one service call. This base class runs those
screens; a subclass says which forms it has and which service each action calls.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from components.models import ComponentStatus
from pages.admin_scope import PageScopedAdmin, current_page_id
from pages.lookup import page_for
from pages.models import Page
from statuspage.admin_site import ServiceModelAdmin, ServiceRejected, in_page_time, pretty_json
from statuspage.forms import add_service_error

from .models import PostedUpdate

# A change page's forms by the action that posts them.
Forms = dict[str, forms.Form]


def transitions_text(update: PostedUpdate) -> str:
    """ "API: major outage, Dashboard: operational" for an update's component statuses."""
    labels = dict(ComponentStatus.choices)
    return ", ".join(
        f"{t.get('name', '?')}: {labels.get(t.get('new_status', ''), t.get('new_status', '?'))}"
        for t in update.affected_components or []
    )


class StoryAdmin(PageScopedAdmin, ServiceModelAdmin):
    """Add and change screens for a model told through updates (`obj.updates`)."""

    add_template: str
    change_template: str
    # Service errors name model fields; the forms call the body "message".
    field_map: dict[str, str] = {"body": "message"}
    # Why the stock change form may not save: every change goes through a service.
    save_refusal = "This is changed through its own forms."

    # Hooks for the subclass.

    def add_form(self, request: HttpRequest, page: Page) -> forms.Form:
        """The add screen's form: bound to the POST, or blank (maybe filled in) on a GET."""
        raise NotImplementedError

    def create(self, request: HttpRequest, page: Page, form: Any) -> tuple[Model, str]:
        """Call the service that makes the object; return it and the message to show."""
        raise NotImplementedError

    def add_context(self, request: HttpRequest, page: Page) -> dict[str, Any]:
        return {}

    def check_action(self, request: HttpRequest, obj: Any, action: str) -> None:
        """Refuse (PermissionDenied) an action this user may not take beyond changing `obj`."""

    def action_forms(self, request: HttpRequest, obj: Any, data: Any, action: str) -> Forms:
        """The change page's forms by the action that posts them, the posted one bound to
        `data`. Two actions may share a form (a draft saved or published)."""
        raise NotImplementedError

    def perform(self, request: HttpRequest, obj: Any, action: str, form: Any) -> str:
        """Call the action's service with the valid form; return the message to show."""
        raise NotImplementedError

    def action_field_map(self, action: str) -> dict[str, str]:
        return self.field_map

    def change_context(
        self, request: HttpRequest, obj: Any, by_action: Forms, can_change: bool
    ) -> dict[str, Any]:
        """The rest of the change page's context: its forms by the names its template uses."""
        return {}

    def delete_story(self, obj: Any, actor: Any) -> None:
        raise NotImplementedError

    def update_components(self, update: PostedUpdate) -> str:
        """What the list of updates says an update did to components."""
        return transitions_text(update)

    # The screens.

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def _change_url(self, obj: Model) -> str:
        info = self.admin_site.name, self.opts.app_label, self.opts.model_name
        return reverse("{}:{}_{}_change".format(*info), args=[obj.pk])

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        pages = list(self.allowed_pages(request, "add").order_by("name"))
        if not pages:
            raise PermissionDenied
        wanted = request.GET.get("page") or request.POST.get("page") or current_page_id(request)
        fallback = page_for(request)
        page = (
            next((p for p in pages if p.pk == wanted), None)
            or next((p for p in pages if p.pk == fallback.pk), None)
            or pages[0]
        )
        form = self.add_form(request, page)
        if form.is_bound and form.is_valid():
            try:
                obj, done = self.create(request, page, form)
            except ValidationError as error:
                add_service_error(form, error, self.field_map)
            else:
                messages.success(request, done)
                return redirect(self._change_url(obj))
        context = self._context(
            request, form=form, page=page, pages=pages, **self.add_context(request, page)
        )
        return TemplateResponse(request, self.add_template, context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        can_change = self.has_change_permission(request, obj)
        action = request.POST.get("action", "") if request.method == "POST" else ""
        if action and not can_change:
            raise PermissionDenied
        self.check_action(request, obj, action)
        forms = self.action_forms(request, obj, request.POST if action else None, action)
        form = forms.get(action)
        if form is not None and form.is_valid():
            try:
                done = self.perform(request, obj, action, form)
            except ValidationError as error:
                add_service_error(form, error, self.action_field_map(action))
            else:
                messages.success(request, done)
                return redirect(self._change_url(obj))
        elif action and form is None:
            messages.error(request, "That form action is not known; nothing was changed.")
        page = obj.page
        context = {
            "title": obj.name,
            "original": obj,
            "object_id": obj.pk,
            "page": page,
            "can_change": can_change,
            "updates": [
                (u, in_page_time(u.display_at, page), self.update_components(u))
                for u in obj.updates.select_related("created_by")
            ],
            "metadata": pretty_json(obj.metadata),
            "has_delete_permission": self.has_delete_permission(request, obj),
        } | self.change_context(request, obj, forms, can_change)
        return TemplateResponse(request, self.change_template, self._context(request, **context))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise PermissionDenied(self.save_refusal)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.delete_story(obj, request.user)
        except ValidationError as error:
            raise ServiceRejected(error) from error

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            try:
                self.delete_story(obj, request.user)
            except ValidationError as error:
                messages.error(request, f"{obj}: {' '.join(error.messages)}")
