"""Uptime bars measured by the checks, for components a monitor watches.

The same days as components/uptime.py (local midnight to midnight in the page's time zone,
`UptimeDay` and `ComponentUptime`, so the page draws them alike), worked out from what the
checks found rather than from the status history: each UTC hour with checks counts its minutes
(the hour in progress, those so far), and the share of its checks that were down counts as
downtime, weighted like the status the monitor sets when down (settings UPTIME_WEIGHT_*);
degraded checks likewise, by the monitor's degraded status. Several monitors on one component
add up their checks. An hour belongs to the day its start falls in, locally; hours without
checks (before the monitor existed, or while it was paused) have no data.

The hourly roll-ups are read for the window, and the hours still being rolled up
(rollups.LOOKBACK_HOURS) straight from the results: three queries for every component of a
page at once.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from components.models import Component
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
    for (component_id, hour), entries in sorted(per_hour.items()):
        n = index.get(hour.astimezone(tz).date())
        if n is None:
            continue
        minutes = min(60.0, (now - hour).total_seconds() / 60)
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
