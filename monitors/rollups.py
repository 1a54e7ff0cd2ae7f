"""Hourly roll-ups of the checks' results, and the purge of results past their retention.

A roll-up is worked out again from the hour's results each time, never added to: rolling the
same hour twice gives the same row, and a result that arrives late (a slow region, a worker
that came back) is folded in by the next run over its hour. The periodic task rolls up the last
`LOOKBACK_HOURS`, which covers the hour in progress and any late arrivals.

Results (and metric points) are deleted once older than MONITOR_RESULT_RETENTION_DAYS, in batches of
`PURGE_BATCH` rows (each a short transaction, so checks being written never wait long behind
it) and at most `PURGE_BATCHES` batches a run. The cut-off falls on the hour, and an hour is
never rolled up again once its results may have been purged: its roll-up stays as it was.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from .models import MetricPoint, MonitorResult, MonitorRollup, Verdict

LOOKBACK_HOURS = 3
PURGE_BATCH = 5_000
PURGE_BATCHES = 100
ROLLUP_FIELDS = [
    "checks",
    "up",
    "degraded",
    "down",
    "timed",
    "latency_sum_ms",
    "latency_min_ms",
    "latency_max_ms",
]


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def retention_cutoff(now: datetime) -> datetime:
    """Results before this are purged: the hour the retention period began."""
    return floor_hour(now - timedelta(days=settings.MONITOR_RESULT_RETENTION_DAYS)) + timedelta(
        hours=1
    )


@dataclass(frozen=True)
class HourFigures:
    """One monitor's checks in one hour, as a roll-up holds them."""

    monitor_id: int
    hour: datetime
    checks: int
    up: int
    degraded: int
    down: int
    timed: int
    latency_sum_ms: float
    latency_min_ms: float | None
    latency_max_ms: float | None


def hour_figures(
    start: datetime, end: datetime, *, monitor_ids: list[int] | None = None
) -> list[HourFigures]:
    """The results between `start` and `end`, summed per monitor and UTC hour (one query)."""
    results = MonitorResult.objects.filter(checked_at__gte=start, checked_at__lt=end)
    if monitor_ids is not None:
        results = results.filter(monitor_id__in=monitor_ids)
    rows = (
        results.annotate(hour=TruncHour("checked_at", tzinfo=UTC))
        .values("monitor_id", "hour")
        .annotate(
            checks=Count("id"),
            up=Count("id", filter=Q(verdict=Verdict.UP)),
            degraded=Count("id", filter=Q(verdict=Verdict.DEGRADED)),
            down=Count("id", filter=Q(verdict=Verdict.DOWN)),
            timed=Count("latency_ms"),
            latency_sum_ms=Sum("latency_ms"),
            latency_min_ms=Min("latency_ms"),
            latency_max_ms=Max("latency_ms"),
        )
        .order_by("monitor_id", "hour")
    )
    return [
        HourFigures(
            monitor_id=row["monitor_id"],
            hour=row["hour"],
            checks=row["checks"],
            up=row["up"],
            degraded=row["degraded"],
            down=row["down"],
            timed=row["timed"],
            latency_sum_ms=row["latency_sum_ms"] or 0.0,
            latency_min_ms=row["latency_min_ms"],
            latency_max_ms=row["latency_max_ms"],
        )
        for row in rows
    ]


def roll_up(*, start: datetime, end: datetime, now: datetime | None = None) -> int:
    """Work out the roll-ups of every hour from `start`'s to the one before `end`'s again.

    Hours whose results may already be purged are left alone. Returns the rows written."""
    now = now or timezone.now()
    start = max(floor_hour(start), retention_cutoff(now))
    end = floor_hour(end) + (timedelta(hours=1) if end != floor_hour(end) else timedelta(0))
    if start >= end:
        return 0
    figures = hour_figures(start, end)
    rows = [
        MonitorRollup(
            monitor_id=f.monitor_id,
            hour=f.hour,
            **{name: getattr(f, name) for name in ROLLUP_FIELDS},
        )
        for f in figures
    ]
    # One statement per batch, insert or replace: two runs at once write the same figures.
    MonitorRollup.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["monitor", "hour"],
        update_fields=ROLLUP_FIELDS,
    )
    return len(rows)


def roll_up_recent(*, now: datetime | None = None, hours: int = LOOKBACK_HOURS) -> int:
    """The periodic run: the hour in progress and the `hours - 1` before it."""
    now = now or timezone.now()
    return roll_up(start=floor_hour(now) - timedelta(hours=hours - 1), end=now, now=now)


def purge_results(
    *, now: datetime | None = None, batch: int = PURGE_BATCH, batches: int = PURGE_BATCHES
) -> int:
    """Delete results older than the retention period, `batch` rows at a time, at most
    `batches` times (the next run goes on). Their hours are rolled up first. Returns the count."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    oldest = MonitorResult.objects.filter(checked_at__lt=cutoff).aggregate(at=Min("checked_at"))
    if oldest["at"] is None:
        return 0
    # The hours about to go are rolled up from their results while they are all still there
    # (roll_up itself refuses those hours, as their results may be partly gone on a later run).
    _roll_up_before_purge(start=floor_hour(oldest["at"]), end=cutoff)
    return _delete_in_batches(
        MonitorResult.objects.filter(checked_at__lt=cutoff).order_by("checked_at", "id"),
        batch=batch,
        batches=batches,
    )


def purge_metric_points(
    *, now: datetime | None = None, batch: int = PURGE_BATCH, batches: int = PURGE_BATCHES
) -> int:
    """Delete metric points older than the retention period (no chart reaches them, and the
    API refuses points that old), in the same bounded batches. Returns the count."""
    now = now or timezone.now()
    return _delete_in_batches(
        MetricPoint.objects.filter(timestamp__lt=retention_cutoff(now)).order_by("timestamp", "id"),
        batch=batch,
        batches=batches,
    )


def _delete_in_batches(rows: QuerySet[Any], *, batch: int, batches: int) -> int:
    deleted = 0
    for _ in range(batches):
        ids = list(rows.values_list("id", flat=True)[:batch])
        if not ids:
            break
        deleted += rows.model.objects.filter(id__in=ids).delete()[0]
        if len(ids) < batch:
            break
    return deleted


def _roll_up_before_purge(*, start: datetime, end: datetime) -> None:
    # Only hours with no roll-up yet: one that exists was written while all of its results
    # were there, and a previous purge run may have deleted some of them since.
    figures = hour_figures(start, end)
    existing = set(
        MonitorRollup.objects.filter(hour__gte=start, hour__lt=end).values_list(
            "monitor_id", "hour"
        )
    )
    missing = [f for f in figures if (f.monitor_id, f.hour) not in existing]
    MonitorRollup.objects.bulk_create(
        [
            MonitorRollup(
                monitor_id=f.monitor_id,
                hour=f.hour,
                **{name: getattr(f, name) for name in ROLLUP_FIELDS},
            )
            for f in missing
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
