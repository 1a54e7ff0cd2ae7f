"""Admin forms for the incident write path: each maps onto one service call."""

from typing import Any, ClassVar

from django import forms
from django.conf import settings

from components.forms import ComponentStatusesMixin, component_field_name
from components.models import Component
from pages.models import Page
from statuspage.forms import ZonedDateTimeField
from updates.forms import PostUpdateFields, ServiceForm, flag_field, message_field, notify_field

from .models import (
    UNRESOLVED,
    UPDATE_STATUSES,
    Impact,
    Incident,
    IncidentStatus,
    IncidentTemplate,
    Postmortem,
    normalise_reminder_intervals,
)

UPDATE_STATUS_CHOICES = [(s.value, s.label) for s in UPDATE_STATUSES]
IMPACT_CHOICES = [("", "Automatic, from the component statuses"), *Impact.choices]
RESOLVED_TEXT = "This incident has been resolved."

# Service errors name model fields; these forms call the body "message".
FIELD_MAP = {
    "body": "message",
    "impact_override": "impact_override",
    "started_at": "started_at",
    "reminder_intervals": "reminder_intervals",
}


class ReminderIntervalsField(forms.CharField):
    """The API's reminder schedule as text; blank for the default hours."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            max_length=200,
            label="Reminders",
            help_text="While the incident stays open, operators are emailed a reminder to post "
            "an update this many hours after it started. Blank: 3, 6, 12 and 24 hours. "
            "“[1, 5, 7, 10]”: those hours (increasing, each 1 to 24). “4”: every 4 hours up "
            "to 24. “[]”: no reminders.",
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return normalise_reminder_intervals(text) or ""


def page_components(page: Page) -> list[Component]:
    return list(Component.objects.for_page(page).in_display_order())


def template_initial(template: IncidentTemplate | None, *, opening: bool) -> dict[str, Any]:
    if template is None:
        return {}
    initial: dict[str, Any] = {"message": template.body}
    if template.status and template.status in [s.value for s in UPDATE_STATUSES]:
        initial["status"] = template.status
    if opening and template.title:
        initial["name"] = template.title
    return initial


class ComponentStatusesForm(ComponentStatusesMixin, ServiceForm):
    """Its component selects go to the service as one `component_statuses` argument."""

    def arguments(self) -> dict[str, Any]:
        selects = {component_field_name(c) for c in self.components}
        given = {k: v for k, v in super().arguments().items() if k not in selects}
        return given | {"component_statuses": self.component_statuses()}


class OpenIncidentForm(ComponentStatusesForm):
    name = forms.CharField(max_length=255)
    status = forms.ChoiceField(choices=UPDATE_STATUS_CHOICES, initial=IncidentStatus.INVESTIGATING)
    message = message_field()
    impact_override = forms.ChoiceField(choices=IMPACT_CHOICES, required=False, label="Impact")
    notify = notify_field(help_text="Email and webhooks.")
    backfilled = forms.BooleanField(
        required=False,
        label="Backfilled",
        help_text="A past incident entered after the fact: notifies nobody and leaves today's "
        "component statuses alone.",
    )
    reminder_intervals = ReminderIntervalsField()

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["started_at"] = ZonedDateTimeField(
            tz=page.tz, required=False, label="Started at"
        )
        self.fields["started_at"].help_text += " Leave blank for now; set it to back-date."
        self.add_component_fields(page_components(page))


class PostUpdateForm(ComponentStatusesForm, PostUpdateFields):
    status = forms.ChoiceField(choices=UPDATE_STATUS_CHOICES)

    def __init__(
        self,
        *args: Any,
        incident: Incident,
        resolve: bool = False,
        template: IncidentTemplate | None = None,
        **kwargs: Any,
    ) -> None:
        affected = {c.pk: c for c in incident.components.all()}
        components = page_components(incident.page)
        initial = kwargs.pop("initial", None) or {}
        initial.setdefault(
            "status", incident.status if incident.status in UPDATE_STATUSES else "resolved"
        )
        for component in components:
            if component.pk in affected:
                initial[component_field_name(component)] = (
                    "operational" if resolve else component.status
                )
        if resolve:
            initial.update(status=IncidentStatus.RESOLVED, message=RESOLVED_TEXT)
        initial.update(template_initial(template, opening=False))
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.affected = affected
        self.add_component_fields(components, not_affected="Not affected (unchanged)")
        if incident.status not in UNRESOLVED:
            self.fields["reopen"] = forms.BooleanField(
                required=False,
                label="Reopen this incident",
                help_text="This incident is resolved; tick to post an unresolved update.",
            )


class EditUpdateForm(ServiceForm):
    message = message_field()

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_at"] = ZonedDateTimeField(tz=page.tz, label="Shown as posted at")


class IncidentDetailsForm(ServiceForm):
    # As the page lists them; started_at, made per page, comes in after the declared ones.
    field_order = ["name", "impact_override", "started_at", "components", "reminder_intervals"]
    name = forms.CharField(max_length=255)
    impact_override = forms.ChoiceField(choices=IMPACT_CHOICES, required=False, label="Impact")
    components = forms.ModelMultipleChoiceField(
        queryset=Component.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Which components this incident is about. Statuses change through updates.",
    )
    reminder_intervals = ReminderIntervalsField()

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": incident.name,
                "impact_override": incident.impact_override,
                "started_at": incident.started_at,
                "components": list(incident.components.all()),
                "reminder_intervals": incident.reminder_intervals or "",
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["started_at"] = ZonedDateTimeField(tz=incident.page.tz, label="Started at")
        self.order_fields(self.field_order)
        self.fields["components"].queryset = Component.objects.for_page(  # type: ignore[attr-defined]
            incident.page
        ).in_display_order()


class PostmortemForm(ServiceForm):
    """The postmortem's text, filled in from the one written so far."""

    renamed: ClassVar[dict[str, str]] = {}

    body = forms.CharField(
        label="Postmortem",
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        max_length=settings.MAX_BODY_CHARS,
        help_text="Markdown. Save a draft as often as you like; publishing shows it publicly.",
    )
    notify = flag_field("Notify subscribers when publishing")

    def __init__(self, *args: Any, postmortem: Postmortem | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"body": postmortem.body} if postmortem else None)
        super().__init__(*args, **kwargs)
        self.postmortem = postmortem
