import zoneinfo

from django import forms

from .models import Page
from .services import PAGE_FIELDS

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones() | {"UTC"})]


class PageForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        help_text="Times on the page and in the admin's forms are shown in this zone.",
    )

    class Meta:
        model = Page
        fields = list(PAGE_FIELDS)  # what save_page audits
        widgets = {"brand_colour": forms.TextInput(attrs={"type": "color"})}
