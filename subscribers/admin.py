from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from events.admin import ReadOnlyAdmin
from events.models import OutboxEvent
from pages.admin_scope import PageScopedAdmin
from statuspage.admin_site import site

from . import services
from .chat_signup import add_chat_subscriber
from .forms import ImportForm
from .models import CHAT_CHANNELS, Channel, Delivery, DeliveryStatus, NotificationEvent, Subscriber
from .sms import configured as sms_configured
from .sms import services as sms_services
from .sms.numbers import clean_phone


class SubscriberForm(forms.ModelForm):
    """Adding a chat channel sends its test message while the form is checked, so that the
    provider's refusal shows as a form error; the subscriber it made is what the admin saves.
    An SMS number is checked (and put in E.164) here, so a bad one is a form error too."""

    added: Subscriber | None = None
    # Who is adding (set per request by SubscriberAdmin.get_form), for the audit log.
    actor: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == Channel.SMS:
            if not sms_configured():
                raise ValidationError("SMS is not set up (TWILIO_* settings).")
            number = clean_phone(data.get("phone_number", ""), data.get("phone_country", ""))
            data["phone_number"], data["phone_country"] = number.e164, number.country
        if data.get("channel") in CHAT_CHANNELS and data.get("page") and not self.errors:
            try:
                self.added = add_chat_subscriber(
                    page=data["page"],
                    channel=data["channel"],
                    endpoint=data.get("endpoint") or "",
                    email=data.get("email") or "",
                    components=list(data.get("components") or []),
                    actor=self.actor,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data

    # The chat subscriber is saved already (and may have been there before): its row is not
    # checked again against itself.
    def validate_unique(self) -> None:
        if self.added is None:
            super().validate_unique()

    def validate_constraints(self) -> None:
        if self.added is None:
            super().validate_constraints()


@admin.register(Subscriber, site=site)
class SubscriberAdmin(PageScopedAdmin):
    form = SubscriberForm
    list_display = ["__str__", "channel", "state", "scope", "created_at", "suppressed_reason"]
    list_filter = ["state", "channel", "page"]
    search_fields = ["email", "endpoint", "phone_number"]
    readonly_fields = [
        "state",
        "secret",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "suppressed_at",
        "suppressed_reason",
        "code_sent_at",
        "code_attempts",
    ]
    fields = [
        "page",
        "channel",
        "email",
        "endpoint",
        "phone_number",
        "phone_country",
        "components",
        *readonly_fields,
    ]
    filter_horizontal = ["components"]
    actions = ["unsubscribe_selected", "suppress_selected"]
    change_list_template = "subscribers/admin/subscriber_changelist.html"

    @admin.display(description="scope")
    def scope(self, obj: Subscriber) -> str:
        return "whole page" if obj.all_components else "some components"

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Subscriber, form: Any, change: bool) -> None:
        components = list(form.cleaned_data.get("components") or [])
        if isinstance(form, SubscriberForm) and form.added is not None:
            saved = form.added
        elif obj.channel == Channel.SMS:
            # Texts need the holder's consent: an operator-added number gets a code to enter.
            saved = sms_services.subscribe_sms(
                page=obj.page,
                phone_number=obj.phone_number,
                phone_country=obj.phone_country,
                components=components,
                actor=request.user,
            )
        elif obj.channel == Channel.WEBHOOK:
            saved = services.add_webhook_subscriber(
                page=obj.page,
                endpoint=obj.endpoint,
                email=obj.email,
                components=components,
                actor=request.user,
            )
        else:
            saved = services.add_email_subscriber(
                page=obj.page,
                email=obj.email,
                components=components,
                actor=request.user,
                skip_confirmation=True,
            )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # the service has set the components

    @admin.action(description="Unsubscribe the selected subscribers")
    def unsubscribe_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        for subscriber in queryset:
            services.unsubscribe(subscriber=subscriber, actor=request.user)

    @admin.action(description="Suppress the selected subscribers")
    def suppress_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        for subscriber in queryset:
            services.suppress(subscriber=subscriber, reason="by an operator", actor=request.user)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="subscribers_subscriber_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = ImportForm(request.POST or None, request.FILES or None)
        form.fields["page"].queryset = self.allowed_pages(request, "add")  # type: ignore[attr-defined]
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", "The file is not UTF-8 text.")
            else:
                result = services.import_subscribers(
                    page=form.cleaned_data["page"],
                    csv_text=text,
                    actor=request.user,
                    skip_confirmation=form.cleaned_data["skip_confirmation"],
                )
                messages.success(request, f"Imported {result.added} subscribers.")
                for error in result.errors[:50]:
                    messages.warning(request, error)
                return HttpResponseRedirect(reverse("admin:subscribers_subscriber_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "title": "Import"}
        return TemplateResponse(request, "subscribers/admin/import.html", context)


@admin.register(Delivery, site=site)
class DeliveryAdmin(PageScopedAdmin, ReadOnlyAdmin):
    page_path = "event__page"
    list_display = ["id", "event", "subscriber", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "subscriber__channel"]
    search_fields = [
        "subscriber__email",
        "subscriber__endpoint",
        "subscriber__phone_number",
        "last_error",
    ]
    list_select_related = ["event", "subscriber"]
    raw_id_fields = ["event", "subscriber"]


@admin.register(NotificationEvent, site=site)
class NotificationEventAdmin(PageScopedAdmin):
    list_display = ["created_at", "kind", "subject_type", "subject_id", "fanned_out_at", "counts"]
    list_filter = ["kind"]
    readonly_fields = ["kind", "subject_type", "subject_id", "created_at", "fanned_out_at"]
    fields = ["kind", "subject_type", "subject_id", "created_at", "fanned_out_at"]
    change_form_template = "subscribers/admin/event_deliveries.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(notify=True).order_by("-id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="deliveries")
    def counts(self, obj: OutboxEvent) -> str:
        rows = obj.deliveries.values("status").annotate(n=Count("id")).order_by("status")
        return ", ".join(f"{r['status']} {r['n']}" for r in rows) or "none"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        event = self.get_object(request, object_id)
        if event is None:
            return super().change_view(request, object_id, form_url, extra_context)
        if request.method == "POST" and "resend" in request.POST:
            count = services.resend_failures(event=event, actor=request.user)
            messages.success(request, f"{count} failed deliveries will be sent again.")
            return HttpResponseRedirect(request.path)
        counts = {
            r["status"]: r["n"] for r in event.deliveries.values("status").annotate(n=Count("id"))
        }
        problems = (
            event.deliveries.exclude(status=DeliveryStatus.SENT)
            .select_related("subscriber")
            .order_by("status", "id")[:500]
        )
        extra = {
            "counts": [(label, counts.get(value, 0)) for value, label in DeliveryStatus.choices],
            "problems": problems,
            "failed": counts.get(DeliveryStatus.FAILED, 0),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})
