"""Writing metrics and their data points: the services behind the metrics API.

A change to a metric (created, edited, deleted, its data reset) is audited and writes one
outbox event, so the page is rendered again at once. Data points are neither: they arrive as
often as a script sends them, and the home page and component pages that chart them age
(snapshots/documents.py), so the periodic refresh draws them within SNAPSHOT_REFRESH_SECONDS
without an outbox row for each push.

A point's timestamp may be at most `FUTURE_SECONDS` ahead (clocks drift) and no older than
MONITOR_RESULT_RETENTION_DAYS; its value must be a finite number no larger than `MAX_VALUE`.
A second value for a metric's timestamp replaces the first.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from components.models import Component
from events.models import EventKind
from events.services import Actor, emit_event, record_audit
from pages.models import Page

from .models import MAX_DECIMAL_PLACES, Metric, MetricPoint, Monitor

FUTURE_SECONDS = 300
MAX_VALUE = 1e15
# Points in one request, over all its metrics.
MAX_POINTS = 3_000
EDITABLE = [
    "name",
    "suffix",
    "tooltip_description",
    "component",
    "monitor",
    "display",
    "decimal_places",
    "y_axis_min",
    "y_axis_max",
    "y_axis_hidden",
    "position",
]


@dataclass(frozen=True)
class NewPoint:
    timestamp: datetime
    value: float


def _snapshot(metric: Metric) -> dict[str, Any]:
    return {
        "name": metric.name,
        "suffix": metric.suffix,
        "tooltip_description": metric.tooltip_description,
        "component": metric.component_id,
        "monitor": metric.monitor_id,
        "display": metric.display,
        "decimal_places": metric.decimal_places,
        "y_axis_min": metric.y_axis_min,
        "y_axis_max": metric.y_axis_max,
        "y_axis_hidden": metric.y_axis_hidden,
        "position": metric.position,
    }


def _check(metric: Metric) -> None:
    errors: dict[str, str] = {}
    if not metric.name or not metric.name.strip():
        errors["name"] = "is required."
    if (
        metric.component_id
        and not Component.objects.filter(pk=metric.component_id, page_id=metric.page_id).exists()
    ):
        errors["component_id"] = "no such component on this page."
    if (
        metric.monitor_id
        and not Monitor.objects.filter(pk=metric.monitor_id, page_id=metric.page_id).exists()
    ):
        errors["monitor_id"] = "no such monitor on this page."
    if not 0 <= metric.decimal_places <= MAX_DECIMAL_PLACES:
        errors["decimal_places"] = f"must be 0 to {MAX_DECIMAL_PLACES}."
    for field in ("y_axis_min", "y_axis_max"):
        value = getattr(metric, field)
        if value is not None and (not math.isfinite(value) or abs(value) > MAX_VALUE):
            errors[field] = f"must be a finite number no larger than {MAX_VALUE:g}."
    if (
        "y_axis_min" not in errors
        and "y_axis_max" not in errors
        and metric.y_axis_min is not None
        and metric.y_axis_max is not None
        and metric.y_axis_min >= metric.y_axis_max
    ):
        errors["y_axis_max"] = "must be above y_axis_min."
    if errors:
        raise ValidationError(errors)
    metric.full_clean(exclude=["page", "component", "monitor"])


@transaction.atomic
def create_metric(*, page: Page, actor: Actor, name: str, **fields: Any) -> Metric:
    metric = Metric(page=page, name=(name or "").strip(), **fields)
    _check(metric)
    metric.save()
    record_audit(page=page, actor=actor, action="create", obj=metric, after=_snapshot(metric))
    emit_event(page=page, kind=EventKind.PAGE_CHANGED, subject=metric)
    return metric


@transaction.atomic
def update_metric(*, metric: Metric, actor: Actor, **changes: Any) -> bool:
    """Change the given fields; False (and nothing written) when nothing changes."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    before = _snapshot(metric)
    for field, value in changes.items():
        setattr(metric, field, value.strip() if field == "name" and value else value)
    _check(metric)
    after = _snapshot(metric)
    if before == after:
        return False
    metric.save()
    record_audit(
        page=metric.page, actor=actor, action="update", obj=metric, before=before, after=after
    )
    emit_event(page=metric.page, kind=EventKind.PAGE_CHANGED, subject=metric)
    return True


@transaction.atomic
def delete_metric(*, metric: Metric, actor: Actor) -> None:
    record_audit(
        page=metric.page, actor=actor, action="delete", obj=metric, before=_snapshot(metric)
    )
    emit_event(page=metric.page, kind=EventKind.PAGE_CHANGED, subject=metric)
    metric.delete()


@transaction.atomic
def reset_metric_data(*, metric: Metric, actor: Actor) -> int:
    """Delete every point of the metric. Returns how many there were."""
    deleted = MetricPoint.objects.filter(metric=metric).delete()[0]
    metric.most_recent_data_at = None
    metric.save(update_fields=["most_recent_data_at", "updated_at"])
    record_audit(
        page=metric.page,
        actor=actor,
        action="update",
        obj=metric,
        before={"points": deleted},
        after={"points": 0},
    )
    emit_event(page=metric.page, kind=EventKind.PAGE_CHANGED, subject=metric)
    return deleted


def check_point(point: NewPoint, *, now: datetime) -> str | None:
    """What is wrong with a point, or None."""
    if not math.isfinite(point.value):
        return "value must be a finite number (not NaN or infinity)."
    if abs(point.value) > MAX_VALUE:
        return f"value must be no larger than {MAX_VALUE:g}."
    if point.timestamp > now + timedelta(seconds=FUTURE_SECONDS):
        return f"timestamp is more than {FUTURE_SECONDS // 60} minutes in the future."
    oldest = now - timedelta(days=settings.MONITOR_RESULT_RETENTION_DAYS)
    if point.timestamp < oldest:
        return (
            f"timestamp is older than {settings.MONITOR_RESULT_RETENTION_DAYS} days, the data kept."
        )
    return None


@transaction.atomic
def add_points(
    *, points: dict[Metric, list[NewPoint]], now: datetime
) -> dict[Metric, list[NewPoint]]:
    """Store the points of each metric (a later value for the same time replaces an earlier
    one, within the request too). Every point is checked first: one bad point refuses the
    request with a ValidationError naming it, and nothing is stored."""
    total = sum(len(p) for p in points.values())
    if total > MAX_POINTS:
        raise ValidationError(f"{total} data points in one request; the limit is {MAX_POINTS}.")
    stored: dict[Metric, list[NewPoint]] = {}
    for metric, given in points.items():
        if metric.monitor_id:
            raise ValidationError(
                f"Metric {metric.pk} is fed by a monitor's checks; data cannot be added to it."
            )
        for n, point in enumerate(given):
            problem = check_point(point, now=now)
            if problem:
                raise ValidationError(f"Metric {metric.pk}, data point {n}: {problem}")
        # PostgreSQL's upsert may not touch one row twice in a statement: the last one wins.
        stored[metric] = list({p.timestamp: p for p in given}.values())
    MetricPoint.objects.bulk_create(
        [
            MetricPoint(metric=metric, timestamp=p.timestamp, value=p.value)
            for metric, kept in stored.items()
            for p in kept
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["metric", "timestamp"],
        update_fields=["value"],
    )
    for metric in stored:
        latest = MetricPoint.objects.filter(metric=metric).aggregate(at=Max("timestamp"))["at"]
        Metric.objects.filter(pk=metric.pk).update(most_recent_data_at=latest)
        metric.most_recent_data_at = latest
    return stored
