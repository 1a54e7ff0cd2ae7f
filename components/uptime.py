"""Uptime bars: a pure computation from status history, in the page's time zone.

Each day (local midnight to local midnight, so 23 or 25 hours on DST days) counts the minutes
each component spent in each status. Downtime is weighted by status (settings
UPTIME_WEIGHT_*); minutes under maintenance are left out of both the downtime and the time
counted, so planned work never lowers uptime. Days before a component's start date have no
data and are left out of the percentage.

One query fetches every change in the window for all components; the status a component had
when the window opened is the `old_status` of its first change in the window, or its current
status when nothing changed since.
"""

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import Component, ComponentStatus, ComponentStatusChange

DOWN_STATUSES = (
    ComponentStatus.MAJOR_OUTAGE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.DEGRADED_PERFORMANCE,
)
# At most this many distinct lists of days kept by one computation to share (see below).
SHARED_DAY_LISTS = 256
LABELS = {
    ComponentStatus.MAJOR_OUTAGE: "major outage",
    ComponentStatus.PARTIAL_OUTAGE: "partial outage",
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded performance",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance",
}


def weights() -> dict[str, float]:
    """The share of each status's minutes counted as downtime, from settings."""
    return {
        ComponentStatus.MAJOR_OUTAGE: settings.UPTIME_WEIGHT_MAJOR_OUTAGE,
        ComponentStatus.PARTIAL_OUTAGE: settings.UPTIME_WEIGHT_PARTIAL_OUTAGE,
        ComponentStatus.DEGRADED_PERFORMANCE: settings.UPTIME_WEIGHT_DEGRADED_PERFORMANCE,
    }


def format_percentage(value: float) -> str:
    """99.123 -> "99.12"; rounded down, so any downtime never shows as 100."""
    floored = math.floor(value * 100) / 100
    return f"{floored:.2f}".rstrip("0").rstrip(".")


def _minutes_text(minutes: float) -> str:
    whole = max(1, round(minutes))
    return f"{whole} minute{'s' if whole != 1 else ''}"


@dataclass
class UptimeDay:
    day: date
    has_data: bool
    # Minutes spent in each non-operational status (maintenance included).
    minutes: dict[str, float] = field(default_factory=dict)
    counted_minutes: float = 0.0
    downtime_minutes: float = 0.0

    @property
    def percentage(self) -> float | None:
        if not self.has_data or self.counted_minutes <= 0:
            return None
        return 100.0 * (1 - self.downtime_minutes / self.counted_minutes)

    @property
    def level(self) -> str:
        """A CSS class for the bar, from the weighted downtime minutes."""
        if not self.has_data:
            return "nodata"
        if self.downtime_minutes <= 0:
            return "up"
        if self.downtime_minutes <= 30:
            return "minor"
        if self.downtime_minutes <= 240:
            return "partial"
        return "major"

    @property
    def label(self) -> str:
        """Accessible text, such as "Nov 3: 42 minutes partial outage, 99.1%"."""
        when = f"{self.day:%b} {self.day.day}"
        if not self.has_data:
            return f"{when}: no data"
        parts = [
            f"{_minutes_text(self.minutes[status])} {LABELS[status]}"
            for status in (*DOWN_STATUSES, ComponentStatus.UNDER_MAINTENANCE)
            if self.minutes.get(status, 0) > 0
        ]
        text = f"{when}: {', '.join(parts) if parts else 'no downtime'}"
        percentage = self.percentage
        if percentage is not None:
            text += f", {format_percentage(percentage)}%"
        return text


@dataclass
class ComponentUptime:
    component_id: str
    days: list[UptimeDay]

    @property
    def percentage(self) -> float | None:
        counted = sum(d.counted_minutes for d in self.days if d.has_data)
        if counted <= 0:
            return None
        down = sum(d.downtime_minutes for d in self.days if d.has_data)
        return 100.0 * (1 - down / counted)

    @property
    def percentage_text(self) -> str:
        percentage = self.percentage
        return "no data" if percentage is None else f"{format_percentage(percentage)}%"


def _add(day: UptimeDay, status: str, minutes: float, share: float) -> None:
    """Count `minutes` spent in `status` into `day`."""
    if status == ComponentStatus.OPERATIONAL:
        day.counted_minutes += minutes
        return
    day.minutes[status] = day.minutes.get(status, 0.0) + minutes
    if status == ComponentStatus.UNDER_MAINTENANCE:
        return
    day.counted_minutes += minutes
    day.downtime_minutes += minutes * share


def window_days(*, tz: ZoneInfo, now: datetime, days: int) -> list[date]:
    today = now.astimezone(tz).date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def compute_uptime(
    components: Sequence[Component],
    *,
    tz: ZoneInfo,
    now: datetime,
    days: int | None = None,
) -> dict[str, ComponentUptime]:
    """Uptime of each component over the last `days` days (settings.UPTIME_DAYS), by day."""
    return {
        uptime.component_id: uptime
        for uptime in uptime_by_component(components, tz=tz, now=now, days=days)
    }


def uptime_by_component(
    components: Sequence[Component],
    *,
    tz: ZoneInfo,
    now: datetime,
    days: int | None = None,
) -> Iterator[ComponentUptime]:
    """compute_uptime's figures one component at a time, in the order given.

    A caller that keeps only what it shows of each (the home page keeps the bars' markup)
    never holds every component's days at once: 1,000 components are 90,000 days.
    """
    days = days or settings.UPTIME_DAYS
    calendar = window_days(tz=tz, now=now, days=days)
    # Local midnights, held in UTC: Python subtracts two datetimes of the same zone as wall-clock
    # times (24 hours across a DST change), two UTC ones as real time (23 or 25 hours).
    bounds = [datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC) for d in calendar]
    end_of_today = datetime.combine(calendar[-1] + timedelta(days=1), time(0), tzinfo=tz)
    bounds.append(min(now, end_of_today).astimezone(UTC))
    start = bounds[0]
    # The minutes of a day an interval covers from end to end, worked out once for every
    # component, the same way as a partial overlap below.
    whole_day = [(bounds[i + 1] - bounds[i]).total_seconds() / 60 for i in range(days)]

    changes: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    if components:
        rows = (
            ComponentStatusChange.objects.filter(
                component_id__in=[c.pk for c in components], changed_at__gte=start
            )
            .order_by("component_id", "changed_at", "id")
            .values_list("component_id", "changed_at", "old_status", "new_status")
        )
        for component_id, changed_at, old_status, new_status in rows:
            changes[component_id].append((changed_at, old_status, new_status))

    weight = weights()
    # Components with the same start and the same intervals have the same days: on most pages
    # most components never changed in the window. Their days are worked out once and the
    # list shared, which the callers only read; a few hundred lists at most are kept for that.
    made: dict[tuple[int, tuple[tuple[datetime, datetime, str], ...]], list[UptimeDay]] = {}
    no_data = [UptimeDay(day=d, has_data=False) for d in calendar]
    whole_days: dict[tuple[int, str], UptimeDay] = {}
    for component in components:
        history = changes.get(component.pk, [])
        status = history[0][1] if history else component.status
        # Intervals of constant status from the window start to now.
        intervals: list[tuple[datetime, datetime, str]] = []
        cursor = start
        for changed_at, _old, new_status in history:
            changed_at = min(max(changed_at, start), bounds[-1])
            if changed_at > cursor:
                intervals.append((cursor, changed_at, status))
                cursor = changed_at
            status = new_status
        if bounds[-1] > cursor:
            intervals.append((cursor, bounds[-1], status))

        # Days before the start date have no data and are skipped.
        first = 0 if component.start_date is None else bisect_left(calendar, component.start_date)
        key = (first, tuple(intervals))
        shared = made.get(key)
        if shared is not None:
            yield ComponentUptime(component_id=component.pk, days=shared)
            continue
        # A day an interval covers from end to end is that interval's alone, so it is the same
        # for every component with the same status then: such days are made once and shared,
        # and only the days an interval begins or ends in are a component's own.
        slots: list[UptimeDay | None] = [*no_data[:first], *([None] * (days - first))]
        for begin, end, interval_status in intervals:
            share = weight.get(interval_status, 0.0)
            # The days the interval touches, and among them those it covers from end to end
            # (every day after the one it begins in and before the one it ends in).
            after_begin = bisect_right(bounds, begin)
            before_end = bisect_left(bounds, end)
            for index in range(max(first, after_begin - 1), min(days, before_end)):
                if after_begin <= index < before_end - 1:
                    whole = whole_days.get((index, interval_status))
                    if whole is None:
                        whole = whole_days[index, interval_status] = UptimeDay(
                            day=calendar[index], has_data=True
                        )
                        _add(whole, interval_status, whole_day[index], share)
                    slots[index] = whole
                    continue
                low, high = bounds[index], bounds[index + 1]
                minutes = (min(end, high) - max(begin, low)).total_seconds() / 60
                if minutes <= 0:
                    continue
                day = slots[index]
                if day is None:
                    day = slots[index] = UptimeDay(day=calendar[index], has_data=True)
                _add(day, interval_status, minutes, share)
        uptime_days = [
            UptimeDay(day=calendar[i], has_data=True) if day is None else day
            for i, day in enumerate(slots)
        ]
        if len(made) < SHARED_DAY_LISTS:
            made[key] = uptime_days
        yield ComponentUptime(component_id=component.pk, days=uptime_days)
