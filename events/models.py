"""The outbox and the audit log: the one shared place every domain app writes to.

Domain services write an `OutboxEvent` in the same transaction as the change it describes;
background work (snapshots, notifications) consumes it later. `AuditEntry` records who changed
what, with the values before and after, on a page or (sign-ins, second factors) installation-wide.
"""

from django.conf import settings
from django.db import models


class EventKind(models.TextChoices):
    INCIDENT_OPENED = "incident.opened", "Incident opened"
    INCIDENT_UPDATED = "incident.updated", "Incident updated"
    INCIDENT_RESOLVED = "incident.resolved", "Incident resolved"
    INCIDENT_CHANGED = "incident.changed", "Incident details changed"
    INCIDENT_UPDATE_EDITED = "incident.update_edited", "Incident update edited"
    POSTMORTEM_PUBLISHED = "postmortem.published", "Postmortem published"
    MAINTENANCE_SCHEDULED = "maintenance.scheduled", "Maintenance scheduled"
    MAINTENANCE_RESCHEDULED = "maintenance.rescheduled", "Maintenance rescheduled"
    MAINTENANCE_REMINDER = "maintenance.reminder", "Maintenance reminder"
    MAINTENANCE_STARTED = "maintenance.started", "Maintenance started"
    MAINTENANCE_UPDATED = "maintenance.updated", "Maintenance updated"
    MAINTENANCE_COMPLETED = "maintenance.completed", "Maintenance completed"
    MAINTENANCE_CANCELLED = "maintenance.cancelled", "Maintenance cancelled"
    COMPONENT_STATUS_CHANGED = "component.status_changed", "Component status changed"
    COMPONENTS_CHANGED = "components.changed", "Components changed"
    PAGE_CHANGED = "page.changed", "Page changed"


class AccountAction(models.TextChoices):
    """What an installation-wide audit entry (no page) records about an operator's account."""

    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    MFA_ENABLED = "mfa_enabled", "Second factor added"
    MFA_DISABLED = "mfa_disabled", "Second factor removed"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", "Recovery codes regenerated"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"


class OutboxEventQuerySet(models.QuerySet["OutboxEvent"]):
    def unpublished(self) -> "OutboxEventQuerySet":
        return self.filter(published_at__isnull=True)

    def not_fanned_out(self) -> "OutboxEventQuerySet":
        return self.filter(fanned_out_at__isnull=True)


class OutboxEvent(models.Model):
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    # What the event is about, by public id: ("incident", "k3v..."), ("maintenance", ...).
    subject_type = models.CharField(max_length=20)
    subject_id = models.CharField(max_length=12)
    # Plain JSON values only: consumers re-read the rows they need.
    payload = models.JSONField(default=dict, blank=True)
    # Whether subscribers should hear about it (quiet updates and backfills say no).
    notify = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Set once notifications have been fanned out into delivery rows (or none were due).
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                name="outbox_unpublished_idx",
                condition=models.Q(published_at__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="outbox_not_fanned_out_idx",
                condition=models.Q(fanned_out_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}:{self.subject_id}"


class AuditEntry(models.Model):
    # None for what concerns the whole installation rather than one page: operators signing in
    # and out, and their second factors (events.services.record_account_audit).
    page = models.ForeignKey(
        "pages.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept even when the user is deleted, and names non-human actors ("scheduler").
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=12)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type}:{self.object_id}"
