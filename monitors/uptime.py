"""Uptime bars measured by the checks, for components a monitor watches.

The same days as components/uptime.py (local midnight to midnight in the page's time zone,
`UptimeDay` and `ComponentUptime`, so the page draws them alike), worked out from what the
checks found rather than from the status history: each UTC hour with checks counts its minutes
(the hour in progress, those so far), and the share of its checks that were down counts as
downtime, weighted like the status the monitor sets when down (settings UPTIME_WEIGHT_*);
degraded checks likewise, by the monitor's degraded status. Several monitors on one component
add up their checks. An hour belongs to the day its start falls in, locally; hours without
checks (before the monitor existed, or while it was paused) have no data. Time the component
spent under maintenance (its status history says when) is left out of the minutes counted and
of the downtime, as for the bars from the history: planned work never lowers uptime.

The hourly roll-ups are read for the window, and the hours still being rolled up
(rollups.LOOKBACK_HOURS) straight from the results: three queries for every component of a
page at once, and one for the maintenance in the status history.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from components.models import Component, ComponentStatus, ComponentStatusChange
from components.uptime import ComponentUptime, UptimeDay, weights, window_days
from pages.models import Page

from .models import Monitor, MonitorRollup
from .rollups import LOOKBACK_HOURS, floor_hour, hour_figures


@dataclass(frozen=True)
class Watch:
    """What uptime needs of a monitor."""

    monitor_id: int
    component_id: str
    down_status: str
    degraded_status: str


def watches(page: Page) -> list[Watch]:
    """The page's enabled monitors (one query): whose bars are measured, and how."""
    return [
        Watch(*row)
        for row in Monitor.objects.filter(page=page, enabled=True)
        .order_by("id")
        .values_list("id", "component_id", "down_status", "degraded_status")
    ]


def measured_uptime(
    components: Sequence[Component],
    found: Sequence[Watch],
    *,
    tz: ZoneInfo,
    now: datetime,
    days: int | None = None,
) -> dict[str, ComponentUptime]:
    """The measured uptime of each of `components` that one of `found` watches."""
    days = days or settings.UPTIME_DAYS
    wanted = {c.pk for c in components}
    by_monitor = {w.monitor_id: w for w in found if w.component_id in wanted}
    if not by_monitor:
        return {}
    calendar = window_days(tz=tz, now=now, days=days)
    start = datetime.combine(calendar[0], time(0), tzinfo=tz)
    recent = floor_hour(now) - timedelta(hours=LOOKBACK_HOURS - 1)
    # (monitor, hour) -> (checks, down, degraded)
    hours: dict[tuple[int, datetime], tuple[int, int, int]] = {}
    for monitor_id, hour, checks, down, degraded in MonitorRollup.objects.filter(
        monitor_id__in=list(by_monitor), hour__gte=start, hour__lt=recent, checks__gt=0
    ).values_list("monitor_id", "hour", "checks", "down", "degraded"):
        hours[monitor_id, hour] = (checks, down, degraded)
    for figures in hour_figures(max(recent, start), now, monitor_ids=list(by_monitor)):
        hours[figures.monitor_id, figures.hour] = (figures.checks, figures.down, figures.degraded)

    weight = weights()
    index = {day: n for n, day in enumerate(calendar)}
    # component -> day index -> [counted, downtime, {status: minutes}]
    made: dict[str, dict[int, UptimeDay]] = defaultdict(dict)
    # Several monitors on one component: their checks add up within each hour.
    per_hour: dict[tuple[str, datetime], list[tuple[Watch, int, int, int]]] = defaultdict(list)
    for (monitor_id, hour), (checks, down, degraded) in hours.items():
        watch = by_monitor[monitor_id]
        per_hour[watch.component_id, hour].append((watch, checks, down, degraded))
    maintenance = _maintenance(
        {c.pk: c.status for c in components if c.pk in {w.component_id for w in found}},
        start,
        now,
    )
    for (component_id, hour), entries in sorted(per_hour.items()):
        n = index.get(hour.astimezone(tz).date())
        if n is None:
            continue
        end = min(hour + timedelta(hours=1), now)
        planned = sum(
            max(0.0, (min(end, until) - max(hour, since)).total_seconds() / 60)
            for since, until in maintenance.get(component_id, [])
        )
        minutes = (end - hour).total_seconds() / 60 - planned
        if minutes <= 0:
            continue
        checks = sum(e[1] for e in entries)
        day = made[component_id].get(n)
        if day is None:
            day = made[component_id][n] = UptimeDay(day=calendar[n], has_data=True)
        day.counted_minutes += minutes
        for watch, _checks, down, degraded in entries:
            for status, count in ((watch.down_status, down), (watch.degraded_status, degraded)):
                if not status or not count:
                    continue
                share = minutes * count / checks
                day.minutes[status] = day.minutes.get(status, 0.0) + share
                day.downtime_minutes += share * weight.get(status, 0.0)
    result = {}
    for component_id in {w.component_id for w in by_monitor.values()}:
        own = made.get(component_id, {})
        result[component_id] = ComponentUptime(
            component_id=component_id,
            days=[own.get(n) or UptimeDay(day=d, has_data=False) for n, d in enumerate(calendar)],
        )
    return result


def _maintenance(
    current: dict[str, str], start: datetime, now: datetime
) -> dict[str, list[tuple[datetime, datetime]]]:
    """When each component (of those with their `current` status) was under maintenance since
    `start`, from its status history."""
    component_ids = list(current)
    changes: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    for component_id, at, old, new in (
        ComponentStatusChange.objects.filter(component_id__in=component_ids, changed_at__gte=start)
        .order_by("component_id", "changed_at", "id")
        .values_list("component_id", "changed_at", "old_status", "new_status")
    ):
        changes[component_id].append((at, old, new))
    current = dict(Component.objects.filter(pk__in=component_ids).values_list("pk", "status"))
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for component_id in component_ids:
        history = changes.get(component_id, [])
        status = history[0][1] if history else current.get(component_id, "")
        cursor = start
        own = []
        for at, _old, new in history:
            if status == ComponentStatus.UNDER_MAINTENANCE and at > cursor:
                own.append((cursor, at))
            cursor, status = max(at, start), new
        if status == ComponentStatus.UNDER_MAINTENANCE and now > cursor:
            own.append((cursor, now))
        if own:
            spans[component_id] = own
    return spans
