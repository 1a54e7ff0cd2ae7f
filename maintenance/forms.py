"""Admin forms for scheduled maintenance. Windows are typed in the page's time zone."""

from typing import Any, ClassVar

from django import forms

from components.models import Component
from pages.models import Page
from statuspage.forms import ZonedDateTimeField
from updates.forms import PostUpdateFields, ServiceForm, flag_field, message_field, notify_field

from .models import Maintenance, MaintenanceStatus
from .services import CANCELLED_TEXT, COMPLETED_TEXT, STARTED_TEXT, VERIFYING_TEXT

FIELD_MAP = {"body": "message"}
# The maintenance forms' message boxes are a line shorter than the incidents'.
ROWS = 4
UPDATE_STATUS_CHOICES = [
    (s.value, s.label)
    for s in (
        MaintenanceStatus.IN_PROGRESS,
        MaintenanceStatus.VERIFYING,
        MaintenanceStatus.COMPLETED,
    )
]
DEFAULT_TEXT = {
    MaintenanceStatus.IN_PROGRESS: STARTED_TEXT,
    MaintenanceStatus.VERIFYING: VERIFYING_TEXT,
    MaintenanceStatus.COMPLETED: COMPLETED_TEXT,
}


class WindowForm(ServiceForm):
    """Name, window, components and flags: shared by scheduling and rescheduling."""

    name = forms.CharField(max_length=255)
    components = forms.ModelMultipleChoiceField(
        queryset=Component.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    auto_start = flag_field("Start automatically", help_text="When the window opens.")
    auto_complete = flag_field("Complete automatically", help_text="When the window closes.")
    set_components_under_maintenance = flag_field(
        "Set components under maintenance",
        help_text="During the window; their statuses are restored afterwards.",
    )
    remind_minutes_before = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=60 * 24 * 90,
        label="Remind subscribers",
        help_text="Minutes before the start; leave blank for no reminder.",
    )

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["scheduled_for"] = ZonedDateTimeField(tz=page.tz, label="Starts")
        self.fields["scheduled_until"] = ZonedDateTimeField(tz=page.tz, label="Ends")
        self.fields["components"].queryset = Component.objects.for_page(  # type: ignore[attr-defined]
            page
        ).in_display_order()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("scheduled_for"), cleaned.get("scheduled_until")
        if start and end and end <= start:
            self.add_error("scheduled_until", "The maintenance must end after it starts.")
        return cleaned


class ScheduleMaintenanceForm(WindowForm):
    message = message_field(rows=ROWS)
    notify = notify_field()


class RescheduleForm(WindowForm):
    def __init__(self, *args: Any, maintenance: Maintenance, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": maintenance.name,
                "scheduled_for": maintenance.scheduled_for,
                "scheduled_until": maintenance.scheduled_until,
                "components": list(maintenance.components.all()),
                "auto_start": maintenance.auto_start,
                "auto_complete": maintenance.auto_complete,
                "set_components_under_maintenance": maintenance.set_components_under_maintenance,
                "remind_minutes_before": maintenance.remind_minutes_before,
            },
        )
        super().__init__(*args, page=maintenance.page, **kwargs)


class MaintenanceUpdateForm(PostUpdateFields):
    status = forms.ChoiceField(choices=UPDATE_STATUS_CHOICES)
    message = message_field(rows=ROWS)

    def __init__(
        self, *args: Any, maintenance: Maintenance, status: str = "", **kwargs: Any
    ) -> None:
        current = MaintenanceStatus(maintenance.status)
        if status not in DEFAULT_TEXT:
            status = {
                MaintenanceStatus.SCHEDULED: MaintenanceStatus.IN_PROGRESS,
                MaintenanceStatus.IN_PROGRESS: MaintenanceStatus.COMPLETED,
                MaintenanceStatus.VERIFYING: MaintenanceStatus.COMPLETED,
            }.get(current, MaintenanceStatus.COMPLETED)
        kwargs.setdefault(
            "initial", {"status": status, "message": DEFAULT_TEXT[MaintenanceStatus(status)]}
        )
        super().__init__(*args, **kwargs)


class CancelForm(ServiceForm):
    renamed: ClassVar[dict[str, str]] = {"message": "body"}
    message = message_field(rows=ROWS, initial=CANCELLED_TEXT)
    notify = notify_field()
