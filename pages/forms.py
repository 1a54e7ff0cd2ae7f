import zoneinfo

from django import forms

from .models import Page

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones() | {"UTC"})]


class PageForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        help_text="Times on the page and in the admin's forms are shown in this zone.",
    )

    class Meta:
        model = Page
        fields = [
            "name",
            "url",
            "domain",
            "is_default",
            "time_zone",
            "logo",
            "brand_colour",
            "support_url",
            "footer_links",
            "allow_rss_atom_feeds",
            "allow_page_subscribers",
            "allow_email_subscribers",
            "allow_webhook_subscribers",
            "allow_incident_subscribers",
        ]
        widgets = {"brand_colour": forms.TextInput(attrs={"type": "color"})}
