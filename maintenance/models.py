from django.db import models

from statuspage.validators import validate_metadata
from updates.models import PostedUpdate, Story


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


ACTIVE = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
OPEN = (MaintenanceStatus.SCHEDULED, *ACTIVE)


class MaintenanceQuerySet(models.QuerySet["Maintenance"]):
    def live(self) -> "MaintenanceQuerySet":
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self) -> "MaintenanceQuerySet":
        return self.live().filter(status=MaintenanceStatus.SCHEDULED).order_by("scheduled_for")

    def active(self) -> "MaintenanceQuerySet":
        return self.live().filter(status__in=ACTIVE).order_by("scheduled_for")


class Maintenance(Story):
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="maintenances")
    status = models.CharField(
        max_length=12, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED
    )
    scheduled_for = models.DateTimeField("starts")
    scheduled_until = models.DateTimeField("ends")
    components = models.ManyToManyField(
        "components.Component", blank=True, related_name="maintenances"
    )
    auto_start = models.BooleanField(
        "start automatically", default=True, help_text="Move to in progress when the window opens."
    )
    auto_complete = models.BooleanField(
        "complete automatically", default=True, help_text="Complete when the window closes."
    )
    set_components_under_maintenance = models.BooleanField(
        default=True,
        help_text="Show the affected components as under maintenance during the window, "
        "and restore their statuses afterwards.",
    )
    remind_minutes_before = models.PositiveIntegerField(
        null=True, blank=True, help_text="Remind subscribers this many minutes before the start."
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Statuses to restore when the window ends: {component id: status before it}.
    restore_statuses = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Raised on every reschedule, for calendar clients.
    sequence = models.PositiveIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True, validators=[validate_metadata])

    objects = MaintenanceQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for"]
        verbose_name = "scheduled maintenance"
        verbose_name_plural = "scheduled maintenance"
        indexes = [models.Index(fields=["page", "status", "scheduled_for"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_until__gt=models.F("scheduled_for")),
                name="maintenance_ends_after_start",
            )
        ]


class MaintenanceUpdate(PostedUpdate):
    maintenance = models.ForeignKey(Maintenance, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=12, choices=MaintenanceStatus.choices)
