"""Uptime bars measured by the checks: the share of each hour's checks that found it down."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitors import rollups
from monitors.models import Verdict
from monitors.uptime import measured_uptime, watches
from tests.support.results import add_results, make_monitor
from tests.support.scenes import add_status_changes

NOW = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def monitor(page, api):
    return make_monitor(page, api)


def days_of(page, api, days=3):
    return measured_uptime([api], watches(page), tz=PARIS, now=NOW, days=days)[api.pk].days


def test_an_hour_of_failed_checks_is_an_hour_of_major_outage(settings, page, api, monitor):
    settings.MONITOR_RESULT_RETENTION_DAYS = 30
    yesterday = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    add_results(monitor, yesterday, 60, verdict=Verdict.DOWN, latency=None)
    add_results(monitor, yesterday + timedelta(hours=1), 60)
    rollups.roll_up(start=yesterday, end=NOW, now=NOW)
    monitor.results.all().delete()  # from the roll-ups alone

    before, day, today = days_of(page, api)

    assert not before.has_data
    assert day.has_data
    assert day.counted_minutes == 120
    assert day.downtime_minutes == 60
    assert day.label == "Nov 7: 60 minutes major outage, 50%"
    assert not today.has_data  # no checks today


def test_the_hours_not_yet_rolled_up_come_from_the_results(page, api, monitor):
    add_results(monitor, NOW - timedelta(minutes=40), 40, verdict=Verdict.DEGRADED)

    today = days_of(page, api)[-1]

    # 11:00 to 12:00 UTC, all degraded; degraded counts 0 by default, but is shown.
    assert today.counted_minutes == 60
    assert today.minutes == {"degraded_performance": 60.0}
    assert today.downtime_minutes == 0


def test_a_component_without_a_monitor_gets_no_measured_bars(page, api, website, monitor):
    assert set(measured_uptime([api, website], watches(page), tz=PARIS, now=NOW)) == {api.pk}
    monitor.enabled = False
    monitor.save()
    assert measured_uptime([api], watches(page), tz=PARIS, now=NOW) == {}


def test_time_under_maintenance_is_left_out_as_for_the_history(settings, page, api, monitor):
    settings.MONITOR_RESULT_RETENTION_DAYS = 30
    hour = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)
    add_results(monitor, hour, 60, verdict=Verdict.DOWN, latency=None)
    rollups.roll_up(start=hour, end=NOW, now=NOW)
    # Under maintenance for the second half of that hour.
    add_status_changes(
        [
            (api, "operational", "under_maintenance", hour + timedelta(minutes=30)),
            (api, "under_maintenance", "operational", hour + timedelta(hours=2)),
        ]
    )

    day = days_of(page, api)[1]

    assert day.counted_minutes == 30
    assert day.downtime_minutes == 30
