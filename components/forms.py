"""Form pieces for the screens that set component statuses (opening an incident, posting an
update): one select per component of the page."""

from collections.abc import Iterable
from typing import Any

from django import forms

from .models import Component, ComponentStatus

NOT_AFFECTED = ""


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
