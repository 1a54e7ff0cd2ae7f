from django.conf import settings
from django.db import models
from django.urls import reverse

from statuspage.ids import new_code
from statuspage.validators import body_validators, validate_metadata


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


ACTIVE = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
OPEN = (MaintenanceStatus.SCHEDULED, *ACTIVE)


class MaintenanceQuerySet(models.QuerySet["Maintenance"]):
    def for_page(self, page: object) -> "MaintenanceQuerySet":
        return self.filter(page=page)

    def live(self) -> "MaintenanceQuerySet":
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self) -> "MaintenanceQuerySet":
        return self.live().filter(status=MaintenanceStatus.SCHEDULED).order_by("scheduled_for")

    def active(self) -> "MaintenanceQuerySet":
        return self.live().filter(status__in=ACTIVE).order_by("scheduled_for")


class Maintenance(models.Model):
    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="maintenances")
    name = models.CharField(max_length=255)
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
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Raised on every reschedule, for calendar clients.
    sequence = models.PositiveIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True, validators=[validate_metadata])
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

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

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("public:maintenance", args=[self.pk])


class MaintenanceUpdate(models.Model):
    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    maintenance = models.ForeignKey(Maintenance, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=12, choices=MaintenanceStatus.choices)
    body = models.TextField(validators=body_validators())
    display_at = models.DateTimeField()
    affected_components = models.JSONField(null=True, blank=True)
    deliver_notifications = models.BooleanField(default=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-display_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.body[:60]}"
