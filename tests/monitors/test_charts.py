"""The SVG charts: parsed as XML and read for their structure and figures, not their pixels."""

import dataclasses
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitors import charts, rollups
from monitors.charts import PERIODS, ChartSpec, Point, render_chart
from monitors.models import Metric, MetricPoint
from tests.support.results import add_results, make_monitor

SVG = "{http://www.w3.org/2000/svg}"
NOW = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def spec(period: str = "day", **fields: Any) -> ChartSpec:
    return dataclasses.replace(
        ChartSpec(key="api", title="API response time", period=PERIODS[period], end=NOW, tz=PARIS),
        **fields,
    )


def every(minutes: int, values: list[float], *, end: datetime = NOW) -> list[Point]:
    """Points `minutes` apart, the last at `end`."""
    start = end - timedelta(minutes=minutes * (len(values) - 1))
    return [
        Point(at=start + timedelta(minutes=minutes * n), value=v, low=v, high=v)
        for n, v in enumerate(values)
    ]


def parsed(chart_spec: ChartSpec, points: list[Point]) -> ET.Element:
    return ET.fromstring(str(render_chart(chart_spec, points)))


def svg_of(figure: ET.Element) -> ET.Element:
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def path_points(path: ET.Element) -> list[tuple[float, float]]:
    coordinates = []
    for step in path.get("d", "").split():
        x, y = step[1:].split(",")
        coordinates.append((float(x), float(y)))
    return coordinates


def labels(root: ET.Element, axis: str) -> list[str]:
    group = next(e for e in root.iter(f"{SVG}g") if e.get("class") == f"chart-{axis}-axis")
    return [t.text or "" for t in group.iter(f"{SVG}text")]


def test_a_chart_is_an_image_named_by_its_title_and_described_by_its_figures():
    figure = parsed(spec(), every(5, [100.0, 200.0, 300.0]))
    svg = svg_of(figure)

    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert svg.get("aria-labelledby") == title.get("id")
    assert svg.get("aria-describedby") == desc.get("id")
    assert title.text == "API response time, the last 24 hours"
    assert desc.text == (
        "Over the last 24 hours: average 200 ms, lowest 100 ms, highest 300 ms; "
        "latest 300 ms at Nov 8, 13:00."
    )
    assert "style" not in str(render_chart(spec(), every(5, [1.0, 2.0])))


def test_the_axes_are_labelled_in_round_values_and_local_times():
    figure = parsed(spec(), every(5, [120.0, 180.0, 240.0, 390.0]))

    assert labels(figure, "y") == ["0 ms", "100 ms", "200 ms", "300 ms", "400 ms"]
    # The last 24 hours to 13:00 in Paris: every six hours of local time.
    assert labels(figure, "x") == ["18:00", "00:00", "06:00", "12:00"]
    week = parsed(spec("week"), every(60, [1.0, 2.0]))
    assert labels(week, "x") == [f"Nov {d}" for d in range(2, 9)]


def test_the_line_goes_up_with_the_values_inside_the_plot():
    figure = parsed(spec(), every(5, [100.0, 200.0, 400.0]))
    (line,) = by_class(figure, "chart-line")
    (x1, y1), (x2, y2), (x3, y3) = path_points(line)

    assert x1 < x2 < x3 == charts.LEFT + charts.PLOT_W
    assert y1 > y2 > y3 >= charts.TOP
    assert y1 <= charts.TOP + charts.PLOT_H
    # 0 to 400 on the axis: 200 is half way up.
    assert y2 == pytest.approx(charts.TOP + charts.PLOT_H / 2)


def test_no_data_draws_the_frame_and_says_so():
    figure = parsed(spec(), [])

    assert by_class(figure, "chart-line") == []
    (empty,) = by_class(figure, "chart-empty")
    assert empty.text == "No data for the last 24 hours"
    table = figure.find("details/table")
    assert table is not None
    assert [td.text for td in table.iter("td")] == ["No data."]


def test_a_single_point_is_drawn_as_a_dot():
    figure = parsed(spec(), every(5, [250.0]))

    assert by_class(figure, "chart-line") == []
    (dot,) = by_class(figure, "chart-dot")
    assert float(dot.get("cx", 0)) == pytest.approx(charts.LEFT + charts.PLOT_W)


def test_a_gap_in_the_data_breaks_the_line():
    before = every(5, [100.0] * 12, end=NOW - timedelta(hours=6))
    after = every(5, [110.0] * 12)
    figure = parsed(spec(), before + after)

    lines = by_class(figure, "chart-line")
    assert len(lines) == 2
    assert [len(path_points(line)) for line in lines] == [12, 12]


def test_an_outlier_is_clipped_at_the_top_with_a_note():
    values = [100.0 + n % 7 for n in range(100)]
    values[50] = 9_800.0
    figure = parsed(spec(), every(5, values))

    y_labels = labels(figure, "y")
    assert "9,800 ms" not in " ".join(y_labels)
    top = y_labels[-1]
    (clipped,) = by_class(figure, "chart-clipped")
    assert float(clipped.get("cy", -1)) == pytest.approx(charts.TOP)
    (note,) = by_class(figure, "chart-clip-note")
    assert note.text == f"1 value above {top} drawn at the top edge (the highest 9,800 ms)."
    # The table keeps the real figure.
    assert "9,800 ms" in [td.text for td in figure.iter("td")]


def test_a_flat_line_is_drawn_inside_the_plot_not_on_an_edge():
    figure = parsed(spec(), every(5, [42.0] * 50))
    (line,) = by_class(figure, "chart-line")
    heights = {y for _, y in path_points(line)}

    assert len(heights) == 1
    (height,) = heights
    assert charts.TOP < height < charts.TOP + charts.PLOT_H
    zero = parsed(spec(), every(5, [0.0] * 5))
    assert labels(zero, "y")[0] == "0 ms"


def test_a_fixed_axis_range_is_kept_and_values_outside_it_noted():
    chart_spec = spec(suffix="%", decimal_places=1, y_min=90.0, y_max=100.0)
    figure = parsed(chart_spec, every(5, [99.5, 99.9, 85.0]))

    assert labels(figure, "y")[0] == "90.0%"
    assert labels(figure, "y")[-1] == "100.0%"
    (note,) = by_class(figure, "chart-clip-note")
    assert note.text == "1 value below 90.0% drawn at the bottom edge (the lowest 85.0%)."


def test_the_table_has_a_row_an_hour_for_a_day_with_the_hours_figures():
    values = [float(n) for n in range(24 * 12)]  # every five minutes
    figure = parsed(spec(), every(5, values, end=NOW - timedelta(minutes=5)))
    table = figure.find("details/table")
    assert table is not None
    rows = table.findall("tbody/tr")

    assert len(rows) == 24
    first = [cell.text for cell in rows[0]]
    assert first == ["Nov 7, 13:00", "6 ms", "0 ms", "11 ms"]
    assert table.findtext("caption") == "API response time over the last 24 hours, by hour"
    assert figure.findtext("details/summary") == "API response time as a table"


def test_what_a_title_says_is_escaped_and_the_chart_stays_well_formed():
    figure = parsed(spec(title="<script>&\"'"), every(5, [1.0, 2.0]))

    assert svg_of(figure).findtext(f"{SVG}title") == "<script>&\"', the last 24 hours"


def test_the_same_data_and_now_give_the_same_bytes():
    points = every(5, [100.0, 120.0, 90.0])
    assert render_chart(spec(), points) == render_chart(spec(), list(reversed(points)))


# Series from the database -----------------------------------------------------------------------


@pytest.fixture
def monitor(page, api):
    return make_monitor(page, api)


def test_a_days_series_comes_from_the_results_in_five_minute_buckets(monitor):
    add_results(monitor, NOW - timedelta(minutes=10), 10, latency=100.0)  # 11:50 to 11:59
    add_results(monitor, NOW - timedelta(minutes=10), 5, latency=300.0, every=timedelta(minutes=2))
    add_results(monitor, NOW - timedelta(days=2), 5, latency=999.0)  # outside the day

    series = charts.monitor_series([monitor.pk], PERIODS["day"], NOW)[monitor.pk]

    assert [p.at for p in series] == [
        datetime(2026, 11, 8, 11, 52, 30, tzinfo=UTC),
        datetime(2026, 11, 8, 11, 57, 30, tzinfo=UTC),
    ]
    assert [p.count for p in series] == [8, 7]
    assert series[0].value == pytest.approx((5 * 100 + 3 * 300) / 8)
    assert (series[0].low, series[0].high) == (100.0, 300.0)


def test_a_weeks_series_comes_from_the_hourly_roll_ups(settings, monitor):
    settings.MONITOR_RESULT_RETENTION_DAYS = 30
    add_results(monitor, NOW - timedelta(days=3), 60, latency=200.0)
    rollups.roll_up(start=NOW - timedelta(days=4), end=NOW, now=NOW)
    monitor.results.all().delete()  # the roll-ups alone

    (point,) = charts.monitor_series([monitor.pk], PERIODS["week"], NOW)[monitor.pk]

    assert (point.value, point.count) == (200.0, 60)
    assert point.at == NOW - timedelta(days=3) + timedelta(minutes=30)


def test_a_metrics_series_comes_from_its_points(page):
    metric = Metric.objects.create(page=page, name="Error rate", suffix="%")
    MetricPoint.objects.bulk_create(
        [
            MetricPoint(metric=metric, timestamp=NOW - timedelta(minutes=n), value=n)
            for n in range(4)
        ]
    )

    series = charts.metric_series([metric.pk], PERIODS["day"], NOW)[metric.pk]

    assert [(round(p.value, 3), p.count) for p in series] == [(2.0, 3), (0.0, 1)]


def test_the_bucket_in_progress_is_drawn_at_now_at_the_latest(monitor):
    add_results(monitor, NOW - timedelta(seconds=50), 2, latency=150.0, every=timedelta(seconds=20))

    (point,) = charts.monitor_series([monitor.pk], PERIODS["day"], NOW)[monitor.pk]

    assert point.at <= NOW
    figure = parsed(spec(), [point])
    (dot,) = by_class(figure, "chart-dot")
    bucket = charts.PLOT_W * 5 / (24 * 60)
    assert (
        charts.LEFT + charts.PLOT_W - bucket
        <= float(dot.get("cx", 0))
        <= charts.LEFT + charts.PLOT_W
    )
