"""Response-time and metric charts: server-rendered SVG, readable without JavaScript.

`render_chart(spec, points)` is a pure function of its arguments: the public page, the
component page and the snapshot publisher get the same bytes for the same data and "now".
A chart is a `<figure>` holding an SVG (`role="img"`, named by its `<title>` and described by
its `<desc>`, with axis labels in `<text>`) and a `<details>` with the same figures as a table
for screen readers and anyone who prefers numbers. Nothing is styled inline (the
Content-Security-Policy forbids it): every element carries a class of static/css/beacon.css.

The series loaders (`monitor_series`, `metric_series`) read the points of many monitors or
metrics in one query each, already bucketed: a day in five-minute buckets from the results,
a week in hours and a month in four-hour buckets from the hourly roll-ups (or the pushed
points), so a chart has a few hundred points at most, however often the checks run.

What a chart does with awkward data:
- no data: the frame, the axes and "No data for the last 24 hours", and the table says so;
- one point, or a point with gaps on both sides: a dot, since a line needs two;
- gaps (nothing for more than three buckets, or three times the usual spacing): the line
  breaks rather than drawing a straight line over the time nothing was measured;
- outliers: when the highest value is over four times the 95th percentile, the axis stops
  above the 95th percentile, the points over it are drawn on the top edge, and a note under
  the chart says how many were clipped and the highest value; the same for values outside a
  metric's fixed y-axis range;
- a flat line: the axis spans from zero (or the value's own neighbourhood) so it is drawn
  mid-height rather than on an edge.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Max, Min, QuerySet
from django.db.models.functions import TruncHour, TruncMinute
from django.utils.safestring import SafeString, mark_safe

from .models import MetricPoint, MonitorResult, MonitorRollup

# The SVG's coordinate system; CSS scales it to the width of its card.
WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 30
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
# An outlier is a value over OUTLIER_FACTOR times the 95th percentile.
OUTLIER_FACTOR = 4.0
GAP_FACTOR = 3.0


@dataclass(frozen=True)
class Period:
    name: str
    label: str
    span: timedelta
    bucket: timedelta
    # One row of the table for each of these, in the page's time zone.
    row: str  # "hour" or "day"


PERIODS = {
    "day": Period("day", "the last 24 hours", timedelta(days=1), timedelta(minutes=5), "hour"),
    "week": Period("week", "the last 7 days", timedelta(days=7), timedelta(hours=1), "day"),
    "month": Period("month", "the last 30 days", timedelta(days=30), timedelta(hours=4), "day"),
}
DEFAULT_PERIOD = "day"


@dataclass(frozen=True)
class Point:
    """A bucket's figures: the mean of its values, their lowest and highest, how many."""

    at: datetime
    value: float
    low: float
    high: float
    count: int = 1


@dataclass(frozen=True)
class ChartSpec:
    # Unique on the page it is shown on: the SVG's title and description ids derive from it.
    key: str
    title: str
    period: Period
    end: datetime
    tz: ZoneInfo
    suffix: str = "ms"
    decimal_places: int = 0
    y_min: float | None = None
    y_max: float | None = None
    y_hidden: bool = False
    description: str = ""


# Numbers ----------------------------------------------------------------------------------------


def format_value(value: float, spec: ChartSpec) -> str:
    text = f"{value:,.{spec.decimal_places}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # -0.0
    if not spec.suffix:
        return text
    return f"{text}{spec.suffix}" if spec.suffix == "%" else f"{text} {spec.suffix}"


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
    return ordered[index]


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    ticks: list[float]
    clipped_above: int
    clipped_below: int


def y_axis(values: Sequence[float], spec: ChartSpec) -> Axis:
    """The value range the plot shows, its round ticks, and how many values fall outside."""
    if not values:
        low, high = 0.0, 1.0
    else:
        smallest, largest = min(values), max(values)
        low = 0.0 if smallest >= 0 else smallest
        high = largest
        if len(values) >= 20:
            p95 = percentile(values, 0.95)
            if p95 > 0 and largest > OUTLIER_FACTOR * p95:
                high = p95 * 1.5
        if high <= low:  # a flat line (or all zero): give it room on both sides
            high = low + (abs(low) or 1.0)
            if smallest < 0:
                low -= abs(low) or 1.0
    if spec.y_min is not None:
        low = spec.y_min
    if spec.y_max is not None:
        high = spec.y_max
    if high <= low:
        high = low + 1.0
    step = nice_step(high - low)
    if spec.y_min is None:
        low = math.floor(low / step) * step
    if spec.y_max is None:
        high = math.ceil(high / step - 1e-9) * step
    ticks: list[float] = []
    tick = math.ceil(low / step - 1e-9) * step
    while tick <= high + step * 1e-6 and len(ticks) < 12:
        ticks.append(tick)
        tick += step
    return Axis(
        low=low,
        high=high,
        ticks=ticks,
        clipped_above=sum(1 for v in values if v > high),
        clipped_below=sum(1 for v in values if v < low),
    )


# Time -------------------------------------------------------------------------------------------


def x_ticks(spec: ChartSpec) -> list[tuple[datetime, str]]:
    """Local times to label on the x axis: every 6 hours for a day, each day for a week,
    every 5 days for a month."""
    start = spec.end - spec.period.span
    local_start = start.astimezone(spec.tz)
    ticks: list[tuple[datetime, str]] = []
    if spec.period.name == "day":
        # Quarter hours in UTC, so that zones a half or quarter hour off UTC get their ticks.
        moment = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        while moment <= spec.end:
            local = moment.astimezone(spec.tz)
            if moment > start and local.minute == 0 and local.hour % 6 == 0:
                ticks.append((moment, f"{local:%H:%M}"))
            moment += timedelta(minutes=15)
        return ticks
    every = 1 if spec.period.name == "week" else 5
    day = local_start.date() + timedelta(days=1)
    n = 0
    while True:
        moment = datetime.combine(day, datetime.min.time(), tzinfo=spec.tz)
        if moment > spec.end:
            return ticks
        if n % every == 0:
            ticks.append((moment, f"{moment:%b} {moment.day}"))
        day += timedelta(days=1)
        n += 1


def _row_start(moment: datetime, spec: ChartSpec) -> datetime:
    local = moment.astimezone(spec.tz)
    if spec.period.row == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _row_label(start: datetime, spec: ChartSpec) -> str:
    if spec.period.row == "hour":
        return f"{start:%b} {start.day}, {start:%H:%M}"
    return f"{start:%a}, {start:%b} {start.day}"


# Rendering --------------------------------------------------------------------------------------


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def segments(points: Sequence[Point], spec: ChartSpec) -> list[list[Point]]:
    """The points in runs without gaps: a run breaks where nothing was measured for longer
    than GAP_FACTOR times the usual spacing (or the bucket, if longer)."""
    if not points:
        return []
    spacings = sorted((b.at - a.at).total_seconds() for a, b in itertools.pairwise(points))
    usual = spacings[len(spacings) // 2] if spacings else 0.0
    limit = GAP_FACTOR * max(usual, spec.period.bucket.total_seconds())
    runs = [[points[0]]]
    for previous, point in itertools.pairwise(points):
        if (point.at - previous.at).total_seconds() > limit:
            runs.append([])
        runs[-1].append(point)
    return runs


def summary(points: Sequence[Point], spec: ChartSpec) -> str:
    if not points:
        return f"No data for {spec.period.label}."
    total = sum(p.value * p.count for p in points)
    count = sum(p.count for p in points)
    latest = points[-1]
    return (
        f"Over {spec.period.label}: average {format_value(total / count, spec)}, "
        f"lowest {format_value(min(p.low for p in points), spec)}, "
        f"highest {format_value(max(p.high for p in points), spec)}; "
        f"latest {format_value(latest.value, spec)} at "
        f"{latest.at.astimezone(spec.tz):%b} {latest.at.astimezone(spec.tz).day}, "
        f"{latest.at.astimezone(spec.tz):%H:%M}."
    )


def table_rows(points: Sequence[Point], spec: ChartSpec) -> list[tuple[str, str, str, str]]:
    """(when, average, lowest, highest) per hour (a day's chart) or per day, oldest first."""
    rows: dict[datetime, list[Point]] = defaultdict(list)
    for point in points:
        rows[_row_start(point.at, spec)].append(point)
    made = []
    for start in sorted(rows):
        group = rows[start]
        count = sum(p.count for p in group)
        mean = sum(p.value * p.count for p in group) / count
        made.append(
            (
                _row_label(start, spec),
                format_value(mean, spec),
                format_value(min(p.low for p in group), spec),
                format_value(max(p.high for p in group), spec),
            )
        )
    return made


def render_chart(spec: ChartSpec, points: Sequence[Point]) -> SafeString:
    """The chart's `<figure>`: SVG, note on clipped values, and the table alternative."""
    points = sorted(points, key=lambda p: p.at)
    start = spec.end - spec.period.span
    points = [p for p in points if start <= p.at <= spec.end]
    span_seconds = spec.period.span.total_seconds()
    axis = y_axis([p.value for p in points], spec)

    def x(moment: datetime) -> float:
        return LEFT + PLOT_W * (moment - start).total_seconds() / span_seconds

    def y(value: float) -> float:
        value = min(max(value, axis.low), axis.high)
        return TOP + PLOT_H * (1 - (value - axis.low) / (axis.high - axis.low))

    key = escape(spec.key)
    title_id, desc_id = f"chart-{key}-title", f"chart-{key}-desc"
    text = summary(points, spec)
    parts = [
        f'<figure class="chart" id="chart-{key}">\n',
        f'<figcaption class="chart-title">{escape(spec.title)}'
        f' <span class="chart-period">{escape(spec.period.label)}</span></figcaption>\n',
    ]
    if spec.description:
        parts.append(f'<p class="note chart-about">{escape(spec.description)}</p>\n')
    parts.append(
        f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-labelledby="{title_id}" aria-describedby="{desc_id}"'
        f' xmlns="http://www.w3.org/2000/svg">\n'
        f'<title id="{title_id}">{escape(spec.title)}, {escape(spec.period.label)}</title>\n'
        f'<desc id="{desc_id}">{escape(text)}</desc>\n'
    )
    # The grid and the y axis's labels.
    parts.append('<g class="chart-y-axis">\n')
    for tick in axis.ticks:
        ty = _fmt(y(tick))
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty}" y2="{ty}"/>\n'
        )
        if not spec.y_hidden:
            parts.append(
                f'<text class="chart-label" x="{LEFT - 6}" y="{ty}" text-anchor="end"'
                f' dominant-baseline="middle">{escape(format_value(tick, spec))}</text>\n'
            )
    parts.append("</g>\n")
    # The x axis's labels.
    parts.append(
        f'<g class="chart-x-axis">\n<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}"'
        f' y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H}"/>\n'
    )
    for moment, label in x_ticks(spec):
        tx = _fmt(x(moment))
        parts.append(
            f'<line class="chart-tick" x1="{tx}" x2="{tx}" y1="{TOP + PLOT_H}"'
            f' y2="{TOP + PLOT_H + 4}"/>\n'
            f'<text class="chart-label" x="{tx}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{escape(label)}</text>\n"
        )
    parts.append("</g>\n")
    if not points:
        parts.append(
            f'<text class="chart-empty" x="{LEFT + PLOT_W / 2:g}" y="{TOP + PLOT_H / 2:g}"'
            f' text-anchor="middle" dominant-baseline="middle">'
            f"No data for {escape(spec.period.label)}</text>\n"
        )
    for run in segments(points, spec):
        if len(run) == 1:
            point = run[0]
            parts.append(
                f'<circle class="chart-dot" cx="{_fmt(x(point.at))}" cy="{_fmt(y(point.value))}"'
                ' r="3"/>\n'
            )
            continue
        path = " ".join(
            f"{'M' if n == 0 else 'L'}{_fmt(x(p.at))},{_fmt(y(p.value))}" for n, p in enumerate(run)
        )
        parts.append(f'<path class="chart-line" d="{path}"/>\n')
    for point in points:
        if point.value > axis.high or point.value < axis.low:
            parts.append(
                f'<circle class="chart-clipped" cx="{_fmt(x(point.at))}"'
                f' cy="{_fmt(y(point.value))}" r="3"/>\n'
            )
    parts.append("</svg>\n")
    notes = []
    if axis.clipped_above:
        highest = max(p.value for p in points)
        notes.append(
            f"{axis.clipped_above} value{'s' if axis.clipped_above != 1 else ''} above "
            f"{format_value(axis.high, spec)} drawn at the top edge "
            f"(the highest {format_value(highest, spec)})."
        )
    if axis.clipped_below:
        lowest = min(p.value for p in points)
        notes.append(
            f"{axis.clipped_below} value{'s' if axis.clipped_below != 1 else ''} below "
            f"{format_value(axis.low, spec)} drawn at the bottom edge "
            f"(the lowest {format_value(lowest, spec)})."
        )
    for note in notes:
        parts.append(f'<p class="note chart-clip-note">{escape(note)}</p>\n')
    parts.append(_table(points, spec))
    parts.append("</figure>\n")
    return mark_safe("".join(parts))  # every value above goes through escape()


def _table(points: Sequence[Point], spec: ChartSpec) -> str:
    per = "hour" if spec.period.row == "hour" else "day"
    head = (
        '<details class="chart-data">\n'
        f"<summary>{escape(spec.title)} as a table</summary>\n"
        '<table class="chart-table">\n'
        f"<caption>{escape(spec.title)} over {escape(spec.period.label)}, by {per}</caption>\n"
    )
    rows = table_rows(points, spec)
    if not rows:
        return head + "<tbody><tr><td>No data.</td></tr></tbody>\n</table>\n</details>\n"
    body = [
        '<thead><tr><th scope="col">Time</th><th scope="col">Average</th>'
        '<th scope="col">Lowest</th><th scope="col">Highest</th></tr></thead>\n<tbody>\n'
    ]
    for when, mean, low, high in rows:
        body.append(
            f'<tr><th scope="row">{escape(when)}</th><td>{escape(mean)}</td>'
            f"<td>{escape(low)}</td><td>{escape(high)}</td></tr>\n"
        )
    body.append("</tbody>\n</table>\n</details>\n")
    return head + "".join(body)


# Series -----------------------------------------------------------------------------------------

Sample = tuple[datetime, int, float, float, float]  # (at, count, mean, low, high)


def bucketed(samples: Iterable[Sample], start: datetime, step: timedelta) -> list[Point]:
    """Samples (each a count and mean) merged into buckets of `step` from `start`."""
    buckets: dict[int, list[Sample]] = defaultdict(list)
    seconds = step.total_seconds()
    for sample in samples:
        buckets[int((sample[0] - start).total_seconds() // seconds)].append(sample)
    points = []
    for index in sorted(buckets):
        group = buckets[index]
        count = sum(s[1] for s in group)
        if count <= 0:
            continue
        # At the bucket's middle, or its latest sample if earlier: the bucket in progress
        # must not be drawn past "now" (and so cut off).
        points.append(
            Point(
                at=min(start + index * step + step / 2, max(s[0] for s in group)),
                value=sum(s[1] * s[2] for s in group) / count,
                low=min(s[3] for s in group),
                high=max(s[4] for s in group),
                count=count,
            )
        )
    return points


MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


def _middle(slot: datetime, length: timedelta, end: datetime) -> datetime:
    """Where a minute's or an hour's figures are drawn: its middle, or "now" if sooner."""
    return min(slot + length / 2, end)


def window(period: Period, now: datetime) -> tuple[datetime, datetime]:
    """The period's start, on a bucket boundary (so buckets do not shift with each render),
    and its end."""
    start = now - period.span
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    seconds = period.bucket.total_seconds()
    aligned = epoch + timedelta(seconds=((start - epoch).total_seconds() // seconds) * seconds)
    return aligned, now


def _slot_samples(
    rows: QuerySet[Any], *, owner: str, at: str, value: str, slot: timedelta, end: datetime
) -> dict[Any, list[Sample]]:
    """For each `owner`, a sample (count, mean, low, high) of `value` in each minute or hour
    (`slot`) of `at`: one query, for the results of monitors and the points of metrics alike."""
    trunc = {MINUTE: TruncMinute, HOUR: TruncHour}[slot]
    grouped = (
        rows.annotate(slot=trunc(at, tzinfo=UTC))
        .values(owner, "slot")
        .annotate(n=Count("id"), mean=Avg(value), low=Min(value), high=Max(value))
        .order_by()
    )
    samples: dict[Any, list[Sample]] = defaultdict(list)
    for row in grouped:
        samples[row[owner]].append(
            (_middle(row["slot"], slot, end), row["n"], row["mean"], row["low"], row["high"])
        )
    return samples


def monitor_series(
    monitor_ids: Sequence[int], period: Period, now: datetime
) -> dict[int, list[Point]]:
    """Response times of each monitor over the period (one query for all of them)."""
    if not monitor_ids:
        return {}
    start, end = window(period, now)
    samples: dict[int, list[Sample]]
    if period.name == "day":
        results = MonitorResult.objects.filter(
            monitor_id__in=list(monitor_ids),
            checked_at__gte=start,
            checked_at__lte=end,
            latency_ms__isnull=False,
        )
        samples = _slot_samples(
            results, owner="monitor_id", at="checked_at", value="latency_ms", slot=MINUTE, end=end
        )
    else:
        samples = defaultdict(list)
        hours = (
            MonitorRollup.objects.filter(
                monitor_id__in=list(monitor_ids), hour__gte=start, hour__lte=end, timed__gt=0
            )
            .values_list(
                "monitor_id", "hour", "timed", "latency_sum_ms", "latency_min_ms", "latency_max_ms"
            )
            .order_by()
        )
        for monitor_id, hour, timed, total, low, high in hours:
            mean = total / timed
            samples[monitor_id].append(
                (
                    _middle(hour, HOUR, end),
                    timed,
                    mean,
                    mean if low is None else low,
                    mean if high is None else high,
                )
            )
    return {m: bucketed(samples.get(m, []), start, period.bucket) for m in monitor_ids}


def metric_series(
    metric_ids: Sequence[str], period: Period, now: datetime
) -> dict[str, list[Point]]:
    """The pushed points of each metric over the period (one query for all of them)."""
    if not metric_ids:
        return {}
    start, end = window(period, now)
    points = MetricPoint.objects.filter(
        metric_id__in=list(metric_ids), timestamp__gte=start, timestamp__lte=end
    )
    slot = MINUTE if period.name == "day" else HOUR
    samples = _slot_samples(
        points, owner="metric_id", at="timestamp", value="value", slot=slot, end=end
    )
    return {m: bucketed(samples.get(m, []), start, period.bucket) for m in metric_ids}
