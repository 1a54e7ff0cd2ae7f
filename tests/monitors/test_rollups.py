"""Hourly roll-ups are worked out again from the results, and old results go in batches."""

from datetime import UTC, datetime, timedelta

import pytest

from monitors import rollups
from monitors.models import Metric, MetricPoint, MonitorResult, MonitorRollup, Verdict
from tests.support.results import add_results, make_monitor

NOW = datetime(2026, 11, 8, 12, 30, tzinfo=UTC)
TEN = datetime(2026, 11, 8, 10, 0, tzinfo=UTC)


@pytest.fixture
def monitor(page, api):
    return make_monitor(page, api)


def rollup_of(monitor, hour):
    return MonitorRollup.objects.get(monitor=monitor, hour=hour)


def test_an_hour_is_summed_by_verdict_and_latency(monitor):
    add_results(monitor, TEN, 50, latency=100.0)
    add_results(
        monitor, TEN + timedelta(minutes=50, seconds=30), 5, latency=300.0, verdict=Verdict.DEGRADED
    )
    add_results(monitor, TEN + timedelta(minutes=56), 4, latency=None, verdict=Verdict.DOWN)

    written = rollups.roll_up(start=TEN, end=TEN + timedelta(hours=1), now=NOW)

    assert written == 1
    hour = rollup_of(monitor, TEN)
    assert (hour.checks, hour.up, hour.degraded, hour.down) == (59, 50, 5, 4)
    assert hour.timed == 55
    assert hour.latency_sum_ms == pytest.approx(50 * 100 + 5 * 300)
    assert (hour.latency_min_ms, hour.latency_max_ms) == (100.0, 300.0)
    assert hour.latency_avg_ms == pytest.approx(6500 / 55)


def test_rolling_up_an_hour_again_gives_the_same_row(monitor):
    add_results(monitor, TEN, 60)
    rollups.roll_up(start=TEN, end=NOW, now=NOW)
    first = list(MonitorRollup.objects.values())

    rollups.roll_up(start=TEN, end=NOW, now=NOW)

    assert list(MonitorRollup.objects.values()) == first
    assert MonitorRollup.objects.count() == 1


def test_a_late_result_is_folded_into_its_hour_by_the_next_run(monitor):
    add_results(monitor, TEN, 30, latency=100.0)
    rollups.roll_up_recent(now=NOW)
    assert rollup_of(monitor, TEN).checks == 30

    # A region's result for 10:45 arrives at 12:30.
    add_results(monitor, TEN + timedelta(minutes=45), 1, latency=400.0, region="eu")
    rollups.roll_up_recent(now=NOW)

    hour = rollup_of(monitor, TEN)
    assert hour.checks == 31
    assert hour.latency_max_ms == 400.0


def test_each_monitor_and_hour_has_its_own_row(page, api, website, monitor):
    other = make_monitor(page, website, name="Website")
    add_results(monitor, TEN, 120)  # 10:00 to 11:59
    add_results(other, TEN + timedelta(hours=2), 10)

    rollups.roll_up_recent(now=NOW)

    assert sorted(MonitorRollup.objects.values_list("monitor__name", "hour", "checks")) == [
        ("API health", TEN, 60),
        ("API health", TEN + timedelta(hours=1), 60),
        ("Website", TEN + timedelta(hours=2), 10),
    ]


def test_old_results_are_purged_in_batches_and_their_hours_kept(settings, monitor):
    settings.MONITOR_RESULT_RETENTION_DAYS = 2
    old = NOW - timedelta(days=3)
    old_hour = rollups.floor_hour(old)
    add_results(monitor, old_hour, 25, latency=50.0)
    recent = add_results(monitor, NOW - timedelta(hours=1), 5)

    deleted = rollups.purge_results(now=NOW, batch=10)

    assert deleted == 25
    assert set(MonitorResult.objects.values_list("id", flat=True)) == {r.id for r in recent}
    kept = rollup_of(monitor, old_hour)
    assert (kept.checks, kept.latency_sum_ms) == (25, 25 * 50.0)


def test_a_purge_stops_after_its_batches_and_the_next_run_goes_on(settings, monitor):
    settings.MONITOR_RESULT_RETENTION_DAYS = 1
    add_results(monitor, NOW - timedelta(days=2), 30)

    assert rollups.purge_results(now=NOW, batch=10, batches=2) == 20
    assert MonitorResult.objects.count() == 10
    assert rollups.purge_results(now=NOW, batch=10, batches=2) == 10
    assert MonitorResult.objects.count() == 0
    # The roll-up written before the first batch is what remains: all 30 checks.
    assert MonitorRollup.objects.get().checks == 30


def test_an_hour_past_retention_is_not_rolled_up_again_from_what_is_left(settings, monitor):
    settings.MONITOR_RESULT_RETENTION_DAYS = 1
    hour = rollups.floor_hour(NOW - timedelta(days=2))
    add_results(monitor, hour, 60)
    rollups.purge_results(now=NOW, batch=10, batches=1)  # 50 results of the hour left

    assert rollups.roll_up(start=hour, end=hour + timedelta(hours=1), now=NOW) == 0
    assert rollup_of(monitor, hour).checks == 60


def test_the_tasks_run_on_the_database(settings, monitor):
    from monitors import tasks

    settings.MONITOR_RESULT_RETENTION_DAYS = 1
    now = datetime.now(UTC)
    add_results(monitor, now - timedelta(days=3), 3)
    add_results(monitor, rollups.floor_hour(now), 2)

    tasks.purge_monitor_results()
    tasks.roll_up_monitor_results()

    assert MonitorResult.objects.count() == 2
    assert MonitorRollup.objects.filter(hour=rollups.floor_hour(now)).get().checks == 2
    assert "monitors.tasks.roll_up_monitor_results" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_metric_points_past_the_retention_are_purged_too(settings, page):
    settings.MONITOR_RESULT_RETENTION_DAYS = 7
    metric = Metric.objects.create(page=page, name="Queue depth")
    MetricPoint.objects.bulk_create(
        [MetricPoint(metric=metric, timestamp=NOW - timedelta(days=d), value=d) for d in range(10)]
    )

    assert rollups.purge_metric_points(now=NOW, batch=2) == 3
    assert sorted(MetricPoint.objects.values_list("value", flat=True)) == [
        float(d) for d in range(7)
    ]
