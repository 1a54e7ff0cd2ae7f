import zoneinfo
from typing import Any

from django import forms

from .models import Page
from .services import PAGE_FIELDS

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones() | {"UTC"})]


class LinesField(forms.CharField):
    """A list of strings edited as one entry per line (commas and spaces separate too)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return [str(item) for item in value]
        text = super().to_python(value) or ""
        return [item for item in text.replace(",", " ").split() if item]


class HostNamesField(LinesField):
    """Host names one per line (or separated by commas or spaces), as a list."""

    widget = forms.Textarea(attrs={"rows": 3})


class PageForm(forms.ModelForm):
    extra_domains = HostNamesField(
        label="Extra host names",
        required=False,
        help_text="Other host names this page answers at, one per line (such as an old domain). "
        "Each host name belongs to one page only.",
    )
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        help_text="Times on the page and in the admin's forms are shown in this zone.",
    )
    allowed_networks = LinesField(
        label="Allowed networks",
        required=False,
        help_text=Page._meta.get_field("allowed_networks").help_text,
    )
    viewer_emails = LinesField(
        label="Allowed viewers",
        required=False,
        help_text=Page._meta.get_field("viewer_emails").help_text,
    )

    class Meta:
        model = Page
        fields = list(PAGE_FIELDS)  # what save_page audits
        widgets = {"brand_colour": forms.TextInput(attrs={"type": "color"})}
