from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse

from statuspage.ids import new_code


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    # Set when a postmortem is published on a resolved incident.
    POSTMORTEM = "postmortem", "Postmortem"


UNRESOLVED = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING)
UPDATE_STATUSES = (*UNRESOLVED, IncidentStatus.RESOLVED)


class Impact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


IMPACT_ORDER = {Impact.NONE: 0, Impact.MINOR: 1, Impact.MAJOR: 2, Impact.CRITICAL: 3}


def body_validators() -> list[MaxLengthValidator]:
    return [MaxLengthValidator(settings.MAX_BODY_CHARS)]


class IncidentQuerySet(models.QuerySet["Incident"]):
    def for_page(self, page: object) -> "IncidentQuerySet":
        return self.filter(page=page)

    def unresolved(self) -> "IncidentQuerySet":
        return self.filter(status__in=UNRESOLVED)

    def resolved(self) -> "IncidentQuerySet":
        return self.exclude(status__in=UNRESOLVED)


class Incident(models.Model):
    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="incidents")
    name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    # Worst impact the affected components have reached, unless the operator overrides it.
    impact = models.CharField(max_length=8, choices=Impact.choices, default=Impact.NONE)
    impact_override = models.CharField(max_length=8, choices=Impact.choices, blank=True)
    components = models.ManyToManyField(
        "components.Component", blank=True, related_name="incidents"
    )
    started_at = models.DateTimeField(help_text="When the incident began; may be back-dated.")
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Historical incidents entered after the fact: they never notify anyone.
    backfilled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["page", "status"]),
            models.Index(fields=["page", "-started_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("public:incident", args=[self.pk])

    @property
    def is_resolved(self) -> bool:
        return self.status not in UNRESOLVED

    @property
    def effective_impact(self) -> str:
        return self.impact_override or self.impact


class IncidentUpdate(models.Model):
    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    body = models.TextField(validators=body_validators())
    # Time shown to readers; editable for backfilling and corrections.
    display_at = models.DateTimeField()
    # [{"code", "name", "old_status", "new_status"}], or null when no component was recorded.
    affected_components = models.JSONField(null=True, blank=True)
    deliver_notifications = models.BooleanField(default=True)
    # Set when the text changes after publishing; shown publicly as "edited".
    edited_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-display_at", "-created_at"]
        indexes = [models.Index(fields=["incident", "-display_at"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.body[:60]}"


class Postmortem(models.Model):
    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="postmortem"
    )
    body = models.TextField(validators=body_validators())
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Postmortem: {self.incident}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class IncidentTemplate(models.Model):
    """Canned text for common updates, picked in the admin's update form."""

    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=100)
    title = models.CharField(max_length=255, blank=True, help_text="Incident name, when opening.")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, blank=True)
    body = models.TextField(validators=body_validators())

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
