import zoneinfo

from django import forms

from .models import Page
from .services import PAGE_FIELDS

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones() | {"UTC"})]


class HostNamesField(forms.CharField):
    """Host names one per line (or separated by commas or spaces), as a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [h for h in text.replace(",", " ").split() if h]


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

    class Meta:
        model = Page
        fields = list(PAGE_FIELDS)  # what save_page audits
        widgets = {"brand_colour": forms.TextInput(attrs={"type": "color"})}
