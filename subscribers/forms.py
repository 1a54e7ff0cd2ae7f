from typing import Any

from django import forms

from components.models import Component
from pages.models import Page


class ComponentChoiceForm(forms.Form):
    components = forms.ModelMultipleChoiceField(
        queryset=Component.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to hear about everything on the page.",
    )

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["components"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Component.objects.for_page(page).in_display_order()


class SubscribeForm(ComponentChoiceForm):
    email = forms.CharField(
        max_length=254,
        label="Email address",
        error_messages={
            "required": "Enter your email address.",
            "max_length": "An email address has at most 254 characters.",
        },
    )
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(required=False, label="Leave this empty")

    field_order = ["email", "components", "website"]


class WebhookForm(ComponentChoiceForm):
    endpoint = forms.CharField(max_length=500, label="Webhook URL")
    email = forms.CharField(
        max_length=254, required=False, label="Contact email (for delivery problems)"
    )
    website = forms.CharField(required=False, label="Leave this empty")

    field_order = ["endpoint", "email", "components", "website"]


class ChatForm(WebhookForm):
    """The webhook form, which a chat channel's sign-up shows with the contact as optional."""

    email = forms.CharField(
        max_length=254, required=False, label="Contact email (optional, for delivery problems)"
    )


class ImportForm(forms.Form):
    page = forms.ModelChoiceField(queryset=Page.objects.all())
    file = forms.FileField(help_text="CSV: email, then component names or ids separated by ;")
    skip_confirmation = forms.BooleanField(
        required=False,
        initial=True,
        help_text="They agreed elsewhere: make them active without a confirmation email.",
    )
