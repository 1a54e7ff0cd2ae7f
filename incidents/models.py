import json
from datetime import datetime, timedelta
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import models

from statuspage.text import refuse_line_breaks
from statuspage.validators import body_validators, validate_metadata
from updates.models import PostedUpdate, Story


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


# Reminders to operators while a realtime incident stays open, in hours after its start.
DEFAULT_REMINDER_HOURS = (3, 6, 12, 24)
LAST_REMINDER_HOUR = 24
REMINDER_FORMS = (
    'a list of hours such as "[1, 5, 7, 10]" (strictly increasing, each 1 to 24), '
    'one number such as "4" (every 4 hours up to 24), or "[]" for no reminders'
)


def normalise_reminder_intervals(value: str | None) -> str | None:
    """The stored form of a reminder schedule: None (the default hours), "[1, 5, 7, 10]",
    "4" or "[]". Raises ValidationError for anything else."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    wrong = ValidationError(f"“{value}” is not a reminder schedule; give {REMINDER_FORMS}.")
    if len(text) > 200:
        raise ValidationError(f"That is not a reminder schedule; give {REMINDER_FORMS}.")
    if text.startswith("["):
        try:
            hours = json.loads(text)
        except ValueError:
            raise wrong from None
        if not isinstance(hours, list) or not all(type(h) is int for h in hours):
            raise wrong
        if not all(1 <= h <= LAST_REMINDER_HOUR for h in hours):
            raise ValidationError(
                f"“{value}”: each reminder hour must be from 1 to {LAST_REMINDER_HOUR}."
            )
        if any(later <= earlier for earlier, later in pairwise(hours)):
            raise ValidationError(f"“{value}”: the reminder hours must be strictly increasing.")
        return "[" + ", ".join(str(h) for h in hours) + "]"
    if text.isascii() and text.isdigit():
        every = int(text)
        if not 1 <= every <= LAST_REMINDER_HOUR:
            raise ValidationError(
                f"“{value}”: remind every 1 to {LAST_REMINDER_HOUR} hours, or give a list."
            )
        return str(every)
    raise wrong


def validate_reminder_intervals(value: str | None) -> None:
    normalise_reminder_intervals(value)


def reminder_hours(intervals: str | None) -> list[int]:
    """The hours after the start at which a stored schedule reminds the operators."""
    if not intervals:
        return list(DEFAULT_REMINDER_HOURS)
    if intervals.startswith("["):
        return [int(h) for h in json.loads(intervals)]
    every = int(intervals)
    return list(range(every, LAST_REMINDER_HOUR + 1, every))


class IncidentQuerySet(models.QuerySet["Incident"]):
    def unresolved(self) -> "IncidentQuerySet":
        return self.filter(status__in=UNRESOLVED)

    def resolved(self) -> "IncidentQuerySet":
        return self.exclude(status__in=UNRESOLVED)


class Incident(Story):
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="incidents")
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
    # Historical incidents entered after the fact: they never notify anyone.
    backfilled = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True, validators=[validate_metadata])
    # When the operators are reminded to post an update while the incident stays open, as
    # normalise_reminder_intervals writes it; blank for the default hours (the API's null).
    reminder_intervals = models.CharField(
        max_length=100, blank=True, validators=[validate_reminder_intervals]
    )
    # Reminder hours dealt with: reminded, or already past when the schedule was set or the
    # incident reopened (those are skipped, not sent late).
    reminded_hours = models.JSONField(default=list, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["page", "status"]),
            models.Index(fields=["page", "-started_at"]),
        ]

    @property
    def is_resolved(self) -> bool:
        return self.status not in UNRESOLVED

    @property
    def effective_impact(self) -> str:
        return self.impact_override or self.impact

    @property
    def reminder_hours(self) -> list[int]:
        return reminder_hours(self.reminder_intervals)

    def passed_reminder_hours(self, now: datetime) -> list[int]:
        """The schedule's hours that have come by `now`."""
        return [h for h in self.reminder_hours if self.started_at + timedelta(hours=h) <= now]

    def due_reminder_hours(self, now: datetime) -> list[int]:
        """Hours come by `now` that no reminder has dealt with yet."""
        done = set(self.reminded_hours or [])
        return [h for h in self.passed_reminder_hours(now) if h not in done]


class IncidentUpdate(PostedUpdate):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)

    class Meta(PostedUpdate.Meta):
        indexes = [models.Index(fields=["incident", "-display_at"])]


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

    def clean(self) -> None:
        # The title becomes an incident's name, which goes into email subjects.
        refuse_line_breaks(self.name, field="name")
        refuse_line_breaks(self.title, field="title")
