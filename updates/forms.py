"""Form pieces the incident and maintenance screens share: an update's message, whether it
notifies, the post-an-update form they make with a status, and the mapping of a valid form onto
the keyword arguments of the one service call it stands for."""

from typing import Any, ClassVar

from django import forms
from django.conf import settings


def message_field(*, rows: int = 5, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": rows, "cols": 80}),
        max_length=settings.MAX_BODY_CHARS,
        help_text="Markdown. Shown on the status page and sent to subscribers.",
        **kwargs,
    )


def flag_field(label: str, **kwargs: Any) -> forms.BooleanField:
    """A box ticked unless the operator says otherwise."""
    return forms.BooleanField(required=False, initial=True, label=label, **kwargs)


def notify_field(**kwargs: Any) -> forms.BooleanField:
    return flag_field("Notify subscribers", **kwargs)


class ServiceForm(forms.Form):
    """A form whose fields are named as its service's arguments, but for the few in `renamed`
    (the operator writes a "message"; the services store a "body")."""

    renamed: ClassVar[dict[str, str]] = {"message": "body", "notify": "deliver_notifications"}

    def arguments(self) -> dict[str, Any]:
        """The valid form as the service's keyword arguments."""
        return {self.renamed.get(name, name): value for name, value in self.cleaned_data.items()}


class PostUpdateFields(ServiceForm):
    """Status, message and notify, in that order; a subclass gives the status its choices."""

    status = forms.ChoiceField(choices=())
    message = message_field()
    notify = notify_field()
