"""Monitoring hooks: which alerts move which component, and the alerts firing right now."""

from django.core.exceptions import ValidationError
from django.db import models

from components.models import ComponentStatus
from components.scope import check_page_scope
from statuspage.text import refuse_line_breaks


class AlertSource(models.TextChoices):
    ANY = "any", "Any source"
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana alerting"


class AlertMapping(models.Model):
    """When an alert whose labels include all of `matchers` fires, set `component`'s status."""

    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="alert_mappings")
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=12, choices=AlertSource.choices, default=AlertSource.ANY)
    matchers = models.JSONField(
        default=dict,
        help_text='Labels the alert must carry, e.g. {"alertname": "APIDown", "service": "api"}.',
    )
    component = models.ForeignKey(
        "components.Component", on_delete=models.CASCADE, related_name="alert_mappings"
    )
    firing_status = models.CharField(
        max_length=24, choices=ComponentStatus.choices, default=ComponentStatus.MAJOR_OUTAGE
    )
    resolved_status = models.CharField(
        max_length=24,
        choices=ComponentStatus.choices,
        blank=True,
        help_text="Status to set when the alert resolves; blank restores the status from before.",
    )
    open_incident = models.BooleanField(
        default=False,
        help_text="Also open an incident while the alert fires, and resolve it after.",
    )
    incident_name = models.CharField(
        max_length=255,
        default="{alertname}",
        help_text="Name of the incident; {label} is replaced by the alert's label of that name.",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Both become incident names, which go into email subjects.
        errors: dict[str, list[str]] = {}
        for field in ("name", "incident_name"):
            try:
                refuse_line_breaks(getattr(self, field), field=field)
            except ValidationError as error:
                errors |= error.message_dict
        if errors:
            raise ValidationError(errors)
        if not isinstance(self.matchers, dict) or not self.matchers:
            raise ValidationError({"matchers": 'Give at least one label, e.g. {"alertname": "X"}.'})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.matchers.items()):
            raise ValidationError({"matchers": "Label names and values must be strings."})
        if self.component_id and self.page_id:
            check_page_scope(
                self.page_id,
                [self.component],
                field="component",
                message="That component belongs to another page.",
            )

    def matches(self, source: str, labels: dict[str, str]) -> bool:
        if self.source not in (AlertSource.ANY, source):
            return False
        return all(labels.get(name) == value for name, value in self.matchers.items())


class FiringAlertQuerySet(models.QuerySet["FiringAlert"]):
    def active(self) -> "FiringAlertQuerySet":
        return self.filter(resolved_at__isnull=True)


class FiringAlert(models.Model):
    """One row per alert (by fingerprint) a mapping has acted on; resolved_at closes it."""

    mapping = models.ForeignKey(AlertMapping, on_delete=models.CASCADE, related_name="alerts")
    fingerprint = models.CharField(max_length=64)
    labels = models.JSONField(default=dict)
    previous_status = models.CharField(max_length=24, choices=ComponentStatus.choices)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FiringAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # The same alert delivered twice while firing is one row.
            models.UniqueConstraint(
                fields=["mapping", "fingerprint"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_active_alert_per_mapping",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mapping}: {self.labels.get('alertname', self.fingerprint)}"
