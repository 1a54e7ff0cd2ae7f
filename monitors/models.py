"""Built-in checks: what to probe, when it is due, what each check found, and what it changed.

A monitor watches one target for one component. Each of its regions has a `MonitorSchedule`
row (when it is next due, and the lease of the worker running it), so that any number of beats
and workers agree on who runs what. Every check leaves a `MonitorResult`; hours are rolled up
into `MonitorRollup`; every change of the monitor's state leaves a `MonitorTransition`, saying
what it did to the component (or why it did nothing).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models

from components.models import ComponentStatus
from statuspage.ids import new_code


class MonitorKind(models.TextChoices):
    HTTP = "http", "HTTP(S)"
    TCP = "tcp", "TCP port"
    DNS = "dns", "DNS record"
    HEARTBEAT = "heartbeat", "Heartbeat"


class Verdict(models.TextChoices):
    """What one check found."""

    UP = "up", "Up"
    DEGRADED = "degraded", "Degraded"
    DOWN = "down", "Down"


class MonitorState(models.TextChoices):
    """What the monitor has decided, after its thresholds."""

    UNKNOWN = "unknown", "Unknown"
    UP = "up", "Up"
    DEGRADED = "degraded", "Degraded"
    DOWN = "down", "Down"


class HttpMethod(models.TextChoices):
    GET = "GET", "GET"
    HEAD = "HEAD", "HEAD"
    POST = "POST", "POST"


class DnsRecordType(models.TextChoices):
    A = "A", "A"
    AAAA = "AAAA", "AAAA"
    CNAME = "CNAME", "CNAME"
    MX = "MX", "MX"
    TXT = "TXT", "TXT"
    NS = "NS", "NS"


DOWN_STATUSES = [
    (ComponentStatus.DEGRADED_PERFORMANCE.value, ComponentStatus.DEGRADED_PERFORMANCE.label),
    (ComponentStatus.PARTIAL_OUTAGE.value, ComponentStatus.PARTIAL_OUTAGE.label),
    (ComponentStatus.MAJOR_OUTAGE.value, ComponentStatus.MAJOR_OUTAGE.label),
]


# Statuspage allows up to four decimal places on a metric's values.
MAX_DECIMAL_PLACES = 4


# The longest error a result keeps (and probes write).
ERROR_LENGTH = 300


def new_heartbeat_token() -> str:
    return secrets.token_urlsafe(24)


class MonitorQuerySet(models.QuerySet["Monitor"]):
    def for_page(self, page: object) -> "MonitorQuerySet":
        return self.filter(page=page)

    def enabled(self) -> "MonitorQuerySet":
        return self.filter(enabled=True)


class Monitor(models.Model):
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="monitors")
    component = models.ForeignKey(
        "components.Component", on_delete=models.CASCADE, related_name="monitors"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=MonitorKind.choices, default=MonitorKind.HTTP)
    enabled = models.BooleanField(default=True)

    # When and how long. A heartbeat's interval is the period within which a ping must arrive.
    interval_seconds = models.PositiveIntegerField(default=60)
    timeout_seconds = models.FloatField(default=10.0)

    # What to probe: a URL (http), a host name or address (tcp, dns).
    target = models.CharField(max_length=500, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True, help_text="TCP only.")

    # HTTP(S).
    method = models.CharField(max_length=6, choices=HttpMethod.choices, default=HttpMethod.GET)
    expected_statuses = models.CharField(
        max_length=100,
        default="200-299",
        help_text="Status codes that count as up: codes and ranges, as 200-299,301.",
    )
    keyword = models.CharField(
        max_length=200, blank=True, help_text="Text the response body must contain."
    )
    json_path = models.CharField(
        max_length=200,
        blank=True,
        help_text="A dotted path into a JSON body, as status.db or checks.0.ok.",
    )
    json_expected = models.CharField(
        max_length=200, blank=True, help_text="The value found at the JSON path, as text."
    )
    headers = models.JSONField(default=dict, blank=True, help_text="Request headers, as JSON.")
    body = models.TextField(blank=True, help_text="Request body (POST only).")
    follow_redirects = models.BooleanField(default=True)
    verify_tls = models.BooleanField(default=True)
    tls_expiry_days = models.PositiveIntegerField(
        default=14,
        help_text="Degraded when the certificate expires within this many days; 0 turns it off.",
    )
    degraded_latency_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="Degraded when slower than this (milliseconds)."
    )

    # DNS.
    dns_record_type = models.CharField(
        max_length=6, choices=DnsRecordType.choices, default=DnsRecordType.A
    )
    dns_expected = models.CharField(
        max_length=500,
        blank=True,
        help_text="Comma-separated values the answer must include; blank accepts any answer.",
    )
    dns_resolver = models.CharField(
        max_length=100, blank=True, help_text="Resolver as address or address:port; blank: system."
    )

    # Heartbeats: a secret URL the job calls; none within interval + grace means down.
    heartbeat_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    grace_seconds = models.PositiveIntegerField(default=60)
    last_ping_at = models.DateTimeField(null=True, blank=True)

    # Where: region names whose workers run it (empty: any worker), and how many must agree.
    regions = models.JSONField(default=list, blank=True)
    regions_required = models.PositiveIntegerField(default=1)

    # Deciding: down after `down_after` failures among the last `down_window` checks (equal
    # numbers mean consecutive), up again after `up_after` successes in a row.
    down_after = models.PositiveIntegerField(default=3)
    down_window = models.PositiveIntegerField(default=3)
    up_after = models.PositiveIntegerField(default=2)
    down_status = models.CharField(
        max_length=24, choices=DOWN_STATUSES, default=ComponentStatus.MAJOR_OUTAGE
    )
    degraded_status = models.CharField(
        max_length=24,
        choices=DOWN_STATUSES,
        blank=True,
        default=ComponentStatus.DEGRADED_PERFORMANCE,
        help_text="Status while degraded (slow, certificate expiring); blank leaves it alone.",
    )
    open_incident = models.BooleanField(
        default=False, help_text="Open an incident when it goes down, resolve it on recovery."
    )
    incident_template = models.ForeignKey(
        "incidents.IncidentTemplate", null=True, blank=True, on_delete=models.SET_NULL
    )

    # What it has decided, and what it holds.
    state = models.CharField(
        max_length=12, choices=MonitorState.choices, default=MonitorState.UNKNOWN
    )
    state_since = models.DateTimeField(null=True, blank=True)
    # The component status this monitor set, while it holds the component; blank otherwise.
    applied_status = models.CharField(max_length=24, blank=True)
    # The status to come back to when it lets go.
    previous_status = models.CharField(max_length=24, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True)
    last_latency_ms = models.FloatField(null=True, blank=True)
    last_error = models.CharField(max_length=ERROR_LENGTH, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MonitorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("check_monitor", "Can check a monitor now")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if self.kind == MonitorKind.HEARTBEAT and not self.heartbeat_token:
            self.heartbeat_token = new_heartbeat_token()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def region_names(self) -> list[str]:
        """The regions it runs in; [""] for any worker."""
        return [str(r) for r in self.regions] if self.regions else [""]


@dataclass(frozen=True, slots=True)
class ClaimedMonitor:
    """The columns of a claimed schedule's Monitor that running, recording and deciding it
    read: what a probe needs (`probes.Target.from_monitor`), a heartbeat's deadline, the
    interval and the state. `scheduling.claim_due` reads them in its one query: a
    Monitor of some fifty fields (and a MonitorSchedule) built a row was most of a claim's CPU.
    """

    pk: int
    kind: str
    target: str
    timeout_seconds: float
    port: int | None
    method: str
    expected_statuses: str
    keyword: str
    json_path: str
    json_expected: str
    headers: dict[str, Any]
    body: str
    follow_redirects: bool
    verify_tls: bool
    tls_expiry_days: int
    degraded_latency_ms: int | None
    dns_record_type: str
    dns_expected: str
    dns_resolver: str
    interval_seconds: int
    grace_seconds: int
    last_ping_at: datetime | None
    created_at: datetime
    state: str


class MonitorSchedule(models.Model):
    """One monitor in one region: when it is next due, who holds it, what that region saw."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="schedules")
    # "" for a monitor without regions: any worker may run it.
    region = models.CharField(max_length=40, blank=True)
    next_due_at = models.DateTimeField(db_index=True)
    # A worker's claim: until when, and by whom (a random token per claim).
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    # This region's own decision, from its own results.
    state = models.CharField(
        max_length=12, choices=MonitorState.choices, default=MonitorState.UNKNOWN
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["monitor", "region"], name="one_schedule_per_region")
        ]
        indexes = [models.Index(fields=["region", "next_due_at"])]

    def __str__(self) -> str:
        return f"{self.monitor} ({self.region or 'any region'})"


class MonitorResult(models.Model):
    """One check: when, where, how long, what it found. Kept MONITOR_RESULT_RETENTION_DAYS."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="results")
    region = models.CharField(max_length=40, blank=True)
    checked_at = models.DateTimeField()
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    latency_ms = models.FloatField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=ERROR_LENGTH, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [
            models.Index(fields=["monitor", "checked_at"]),
            models.Index(fields=["checked_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.monitor} {self.checked_at:%Y-%m-%d %H:%M:%S}: {self.verdict}"


class MonitorRollup(models.Model):
    """One monitor's checks in one hour (UTC), kept after the results themselves are gone."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="rollups")
    hour = models.DateTimeField()
    checks = models.PositiveIntegerField(default=0)
    up = models.PositiveIntegerField(default=0)
    degraded = models.PositiveIntegerField(default=0)
    down = models.PositiveIntegerField(default=0)
    # Over the checks that measured a latency.
    timed = models.PositiveIntegerField(default=0)
    latency_sum_ms = models.FloatField(default=0.0)
    latency_min_ms = models.FloatField(null=True, blank=True)
    latency_max_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["monitor", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["monitor", "hour"], name="one_rollup_per_hour")
        ]

    def __str__(self) -> str:
        return f"{self.monitor} {self.hour:%Y-%m-%d %H}:00"

    @property
    def latency_avg_ms(self) -> float | None:
        return self.latency_sum_ms / self.timed if self.timed else None


class TransitionAction(models.TextChoices):
    SET_STATUS = "set_status", "Set the component's status"
    RESTORED = "restored", "Gave the component's status back"
    OPENED_INCIDENT = "opened_incident", "Opened an incident"
    RESOLVED_INCIDENT = "resolved_incident", "Resolved its incident"
    HELD = "held", "Changed nothing: a person set the status"
    MAINTENANCE = "maintenance", "Changed nothing: the component is in maintenance"
    NONE = "none", "Changed nothing"


class MonitorTransition(models.Model):
    """The monitor's state changed (overall, or in one region): what it did about it."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="transitions")
    at = models.DateTimeField()
    # "" for the monitor's overall decision; a region's name for that region's own.
    region = models.CharField(max_length=40, blank=True)
    old_state = models.CharField(max_length=12, choices=MonitorState.choices)
    new_state = models.CharField(max_length=12, choices=MonitorState.choices)
    action = models.CharField(max_length=20, choices=TransitionAction.choices)
    component_status = models.CharField(max_length=24, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["monitor", "at"])]

    def __str__(self) -> str:
        return f"{self.monitor}: {self.old_state} → {self.new_state}"


# Metrics: Statuspage's "system metrics", series of numbers drawn as charts on the page --------


class MetricQuerySet(models.QuerySet["Metric"]):
    def for_page(self, page: object) -> "MetricQuerySet":
        return self.filter(page=page)

    def displayed(self) -> "MetricQuerySet":
        return self.filter(display=True)


class Metric(models.Model):
    """A series shown as a chart: pushed through the metrics API, or fed by a monitor."""

    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=100)
    suffix = models.CharField(max_length=20, blank=True, help_text="The unit, as ms or %.")
    tooltip_description = models.CharField(max_length=500, blank=True)
    component = models.ForeignKey(
        "components.Component",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="metrics",
    )
    # A metric fed by a monitor draws that monitor's response times; nothing is pushed to it.
    monitor = models.ForeignKey(
        Monitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="metrics"
    )
    display = models.BooleanField(default=True, help_text="Show its chart on the public page.")
    decimal_places = models.PositiveSmallIntegerField(default=0)
    # Blank: from the data.
    y_axis_min = models.FloatField(null=True, blank=True)
    y_axis_max = models.FloatField(null=True, blank=True)
    y_axis_hidden = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=1)
    most_recent_data_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MetricQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decimal_places__lte=MAX_DECIMAL_PLACES),
                name="metric_decimal_places_bounded",
                violation_error_message=f"Decimal places must be 0 to {MAX_DECIMAL_PLACES}.",
            ),
            models.CheckConstraint(
                condition=models.Q(y_axis_min__isnull=True)
                | models.Q(y_axis_max__isnull=True)
                | models.Q(y_axis_min__lt=models.F("y_axis_max")),
                name="metric_y_axis_min_below_max",
                violation_error_message="The y-axis maximum must be above its minimum.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MetricPoint(models.Model):
    """One value of a metric at one time; a second value for the same time replaces it."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="points")
    timestamp = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        ordering = ["metric", "timestamp"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "timestamp"], name="one_point_per_time")
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.timestamp:%Y-%m-%d %H:%M:%S}: {self.value:g}"
