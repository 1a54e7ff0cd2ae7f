"""The monitor's form in the admin: its fields, grouped by kind, checked by validation.py."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from statuspage.forms import add_service_error

from .models import Monitor
from .validation import validate_monitor

KINDS_CHECKED = ("http", "tcp", "dns")

# (title, fields, kinds it applies to; None: every kind). The admin shows one fieldset per
# entry; monitors.js hides those of other kinds as the kind is picked (all show without it).
FIELDSETS: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]] = [
    ("Monitor", ("page", "component", "name", "kind", "enabled", "interval_seconds"), None),
    ("What to check", ("target", "timeout_seconds"), KINDS_CHECKED),
    (
        "HTTP(S)",
        (
            "method",
            "expected_statuses",
            "keyword",
            "json_path",
            "json_expected",
            "headers",
            "body",
            "follow_redirects",
            "verify_tls",
            "tls_expiry_days",
            "degraded_latency_ms",
        ),
        ("http",),
    ),
    ("TCP", ("port",), ("tcp",)),
    ("DNS", ("dns_record_type", "dns_expected", "dns_resolver"), ("dns",)),
    ("Heartbeat", ("grace_seconds",), ("heartbeat",)),
    ("Regions", ("regions", "regions_required"), KINDS_CHECKED),
    (
        "Decisions",
        (
            "down_after",
            "down_window",
            "up_after",
            "down_status",
            "degraded_status",
            "open_incident",
            "incident_template",
        ),
        None,
    ),
]
FORM_FIELDS = [name for _, names, _ in FIELDSETS for name in names]

HELP = {
    "interval_seconds": "Seconds between checks (10 to 86400). For a heartbeat: the period "
    "within which a ping must come (60 seconds to 31 days).",
    "timeout_seconds": "Seconds one check may take, 1 to 60, and less than the interval.",
    "target": "HTTP(S): the URL, as https://example.com/health. TCP: the host name or address. "
    "DNS: the name to look up.",
    "grace_seconds": "How late a ping may be before the heartbeat counts as down.",
    "down_after": "Failures that make it down…",
    "down_window": "…among this many last checks (the same number: in a row). At most 20.",
    "up_after": "Successes in a row that make it up again.",
}


class RegionsField(forms.CharField):
    """Region names typed as "eu-west, us-east"; cleaned to a list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(region) for region in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


class MonitorForm(forms.ModelForm):
    regions = RegionsField(
        required=False,
        max_length=500,
        help_text="Comma-separated region names whose workers run it; blank: any worker.",
    )

    class Meta:
        model = Monitor
        fields = FORM_FIELDS
        widgets = {
            "headers": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "body": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, text in HELP.items():
            if name in self.fields:
                self.fields[name].help_text = text
        if "kind" in self.fields:
            self.fields["kind"].widget.attrs["class"] = "beacon-monitor-kind"

    def clean_headers(self) -> Any:
        headers = self.cleaned_data.get("headers")
        return {} if headers in (None, "") else headers

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        # What each field may be, and how they fit together (the service checks it all again,
        # resolving the target's host too).
        try:
            validate_monitor(self.instance, resolve_names=False)
        except ValidationError as error:
            fresh = {
                field: messages
                for field, messages in error.error_dict.items()
                if field not in self.errors
            }
            if fresh:
                add_service_error(self, ValidationError(fresh))
