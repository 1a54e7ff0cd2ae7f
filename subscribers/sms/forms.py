"""The public SMS forms: sign-up (number, its country, components) and the code."""

from django import forms

from ..forms import ComponentChoiceForm

NUMBER_HELP = "With + and the country code (+1 415 555 0100), or choose the country below."


class SmsForm(ComponentChoiceForm):
    phone_number = forms.CharField(
        max_length=40,
        label="Mobile number",
        help_text=NUMBER_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": "Enter your mobile number."},
    )
    phone_country = forms.CharField(
        max_length=2,
        required=False,
        label="Country (two letters, e.g. US), if the number has no +",
    )
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(required=False, label="Leave this empty")

    field_order = ["phone_number", "phone_country", "components", "website"]


class CodeForm(forms.Form):
    phone_number = forms.CharField(
        max_length=40,
        label="Mobile number",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": "Enter the number the code was sent to."},
    )
    phone_country = forms.CharField(max_length=2, required=False, label="Country (if no +)")
    code = forms.CharField(
        max_length=12,
        required=False,
        label="Code from the text",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )
