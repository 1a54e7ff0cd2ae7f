from django.db import models

from statuspage.ids import new_code


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


# Worst last. Maintenance sits between operational and any degradation, as in Statuspage.
SEVERITY = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}


def worst_status(statuses: "list[str]") -> str:
    if not statuses:
        return ComponentStatus.OPERATIONAL
    return max(statuses, key=lambda s: SEVERITY[ComponentStatus(s)])


class ComponentGroup(models.Model):
    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ComponentQuerySet(models.QuerySet["Component"]):
    def for_page(self, page: object) -> "ComponentQuerySet":
        return self.filter(page=page)

    def in_display_order(self) -> "ComponentQuerySet":
        return self.select_related("group").order_by(
            models.F("group__position").asc(nulls_first=True), "group__name", "position", "name"
        )


class Component(models.Model):
    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="components")
    group = models.ForeignKey(
        ComponentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="components"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=24, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    # Position within its parent: the top level, or its group.
    position = models.PositiveIntegerField(default=1)
    showcase = models.BooleanField(
        default=True, help_text="Show the 90-day uptime bar for this component."
    )
    only_show_if_degraded = models.BooleanField(
        default=False, help_text="Hide from the public page while operational."
    )
    start_date = models.DateField(
        null=True, blank=True, help_text="When the component went live; uptime starts here."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComponentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["page", "position"])]
        # Incident responders may change statuses without editing components.
        permissions = [("change_component_status", "Can change component statuses")]

    def __str__(self) -> str:
        return f"{self.group.name} / {self.name}" if self.group_id and self.group else self.name


class StatusCause(models.TextChoices):
    MANUAL = "manual", "Manual"
    INCIDENT = "incident", "Incident"
    MAINTENANCE = "maintenance", "Maintenance"
    AUTOMATION = "automation", "Automation"


class ComponentStatusChange(models.Model):
    """One row per status change: the history behind uptime bars and audits."""

    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="status_changes"
    )
    old_status = models.CharField(max_length=24, choices=ComponentStatus.choices)
    new_status = models.CharField(max_length=24, choices=ComponentStatus.choices)
    changed_at = models.DateTimeField(db_index=True)
    cause = models.CharField(max_length=12, choices=StatusCause.choices)
    # Public id of the incident or maintenance that caused it, when there was one.
    cause_id = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["component", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.component}: {self.old_status} → {self.new_status}"
