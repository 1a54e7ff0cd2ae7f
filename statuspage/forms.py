"""Form pieces shared by the admin screens: page-local times, component status selectors and
turning a service's ValidationError into form errors."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from components.models import Component, ComponentStatus

NOT_AFFECTED = ""
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
]


def zone_label(tz: ZoneInfo) -> str:
    """ "Europe/Paris (CET)": the zone and its current abbreviation."""
    return f"{tz.key} ({timezone.now().astimezone(tz).strftime('%Z')})"


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time typed in the page's time zone (not the server's), cleaned to an aware
    datetime. Times that do not exist or are ambiguous at a DST change are form errors."""

    def __init__(self, *, tz: ZoneInfo, **kwargs: Any) -> None:
        self.tz = tz
        kwargs.setdefault(
            "widget",
            forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
        kwargs.setdefault("input_formats", DATETIME_INPUT_FORMATS)
        kwargs.setdefault("help_text", f"In the page's time zone, {zone_label(tz)}.")
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(self.tz):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(self.tz).replace(tzinfo=None)
        return value


def component_field_name(component: Component) -> str:
    return f"component_{component.pk}"


class ComponentStatusesMixin(forms.Form):
    """One select per component of the page, "Not affected" by default."""

    def add_component_fields(
        self, components: Iterable[Component], *, not_affected: str = "Not affected"
    ) -> None:
        self.components = list(components)
        choices = [(NOT_AFFECTED, not_affected), *ComponentStatus.choices]
        for component in self.components:
            self.fields[component_field_name(component)] = forms.ChoiceField(
                label=component.name, choices=choices, required=False
            )

    def component_rows(self) -> list[dict[str, Any]]:
        """Fields with their group names, for templates that show them grouped."""
        rows = []
        last_group: object = object()
        for component in self.components:
            group = component.group.name if component.group_id and component.group else ""
            rows.append(
                {
                    "heading": group if group != last_group else None,
                    "field": self[component_field_name(component)],
                    "component": component,
                    "affected": component.pk in getattr(self, "affected", {}),
                }
            )
            last_group = group
        return rows

    def component_statuses(self) -> dict[Component, str]:
        statuses = {}
        for component in self.components:
            value = self.cleaned_data.get(component_field_name(component))
            if value:
                statuses[component] = value
        return statuses


def add_service_error(
    form: forms.BaseForm, error: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has
    one, else at the top."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = field_map.get(field, field)
            target = name if name in form.fields and name != NON_FIELD_ERRORS else None
            form.add_error(target, ValidationError(errors))
    else:
        form.add_error(None, ValidationError(error.messages))
