"""Heartbeats: the URL a job calls, and a missed deadline that counts as down."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from components.models import ComponentStatus
from monitors import heartbeats, scheduling
from monitors.models import MonitorResult, MonitorSchedule, MonitorState, Verdict
from tests.monitors.factories import heartbeat_monitor


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    heartbeats._recent.clear()


@pytest.fixture
def client():
    # As a cron job calls: no CSRF token, no cookie.
    return Client(enforce_csrf_checks=True)


def pinged_long_ago(monitor, seconds=3600):
    """Time passes: the last ping is `seconds` old (no per-second limit in the way)."""
    heartbeats._recent.clear()
    monitor.__class__.objects.filter(pk=monitor.pk).update(
        last_ping_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.mark.parametrize("method", ["get", "post", "head"])
def test_a_ping_is_recorded_with_a_tiny_answer_and_no_cookie(client, api, method):
    monitor = heartbeat_monitor(api)
    response = getattr(client, method)(f"/heartbeat/{monitor.heartbeat_token}")
    assert response.status_code == 200
    assert response.cookies == {}
    assert "Set-Cookie" not in response
    if method != "head":
        assert response.content == b"OK\n"
    result = MonitorResult.objects.get(monitor=monitor)
    assert result.verdict == Verdict.UP
    monitor.refresh_from_db()
    assert monitor.last_ping_at == result.checked_at
    assert monitor.state == MonitorState.UP
    # The next judgement is at the new deadline.
    deadline = monitor.last_ping_at + timedelta(seconds=60 + 30)
    assert MonitorSchedule.objects.get(monitor=monitor).next_due_at == deadline


def test_an_unknown_token_is_404_and_other_methods_405(client, api):
    monitor = heartbeat_monitor(api)
    assert client.get("/heartbeat/not-a-token").status_code == 404
    assert client.get("/heartbeat/" + "x" * 200).status_code == 404
    response = client.put(f"/heartbeat/{monitor.heartbeat_token}")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD"
    assert not MonitorResult.objects.exists()


def test_pings_in_a_loop_are_refused_with_429_and_recorded_once(client, api):
    monitor = heartbeat_monitor(api)
    url = f"/heartbeat/{monitor.heartbeat_token}"
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    # Another web process, without this one's memory: the database's window refuses it too.
    heartbeats._recent.clear()
    assert client.post(url).status_code == 429
    assert MonitorResult.objects.filter(monitor=monitor).count() == 1


def test_a_missed_deadline_takes_the_component_down_and_a_ping_brings_it_back(client, api):
    monitor = heartbeat_monitor(api, interval=60, grace=30)
    client.get(f"/heartbeat/{monitor.heartbeat_token}")
    # 91 s without a ping: past interval + grace.
    pinged_long_ago(monitor, seconds=91)
    MonitorSchedule.objects.filter(monitor=monitor).update(
        next_due_at=timezone.now() - timedelta(seconds=1)
    )

    assert scheduling.run_batch(region="") == 1
    monitor.refresh_from_db()
    api.refresh_from_db()
    assert monitor.state == MonitorState.DOWN
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    missed = MonitorResult.objects.filter(monitor=monitor).first()
    assert missed is not None
    assert (missed.verdict, missed.error) == (Verdict.DOWN, "no ping within 90 s")

    heartbeats._recent.clear()
    assert client.get(f"/heartbeat/{monitor.heartbeat_token}").status_code == 200
    monitor.refresh_from_db()
    api.refresh_from_db()
    assert monitor.state == MonitorState.UP
    assert api.status == ComponentStatus.OPERATIONAL


def test_a_heartbeat_within_its_deadline_is_not_judged_early(client, api):
    monitor = heartbeat_monitor(api, interval=60, grace=30)
    client.get(f"/heartbeat/{monitor.heartbeat_token}")
    # "Check now": not late yet, so nothing is recorded, and it waits for its deadline again.
    scheduling.request_check(monitor=monitor, actor="alice")
    assert scheduling.run_batch(region="") == 1
    assert MonitorResult.objects.filter(monitor=monitor).count() == 1
    monitor.refresh_from_db()
    schedule = MonitorSchedule.objects.get(monitor=monitor)
    assert monitor.last_ping_at is not None
    assert schedule.next_due_at == monitor.last_ping_at + timedelta(seconds=90)


def test_a_heartbeat_never_pinged_is_late_from_its_creation(api):
    monitor = heartbeat_monitor(api, interval=60, grace=30)
    monitor.__class__.objects.filter(pk=monitor.pk).update(
        created_at=timezone.now() - timedelta(seconds=100)
    )
    MonitorSchedule.objects.filter(monitor=monitor).update(next_due_at=timezone.now())
    assert scheduling.run_batch(region="") == 1
    monitor.refresh_from_db()
    assert monitor.state == MonitorState.DOWN


def test_a_job_reporting_failure_is_down_at_once(client, api):
    monitor = heartbeat_monitor(api)
    response = client.post(
        f"/heartbeat/{monitor.heartbeat_token}/fail", data=b"exit 1", content_type="text/plain"
    )
    assert response.status_code == 200
    monitor.refresh_from_db()
    api.refresh_from_db()
    assert monitor.state == MonitorState.DOWN
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    assert monitor.last_error == "the job reported a failure"

    pinged_long_ago(monitor, seconds=5)
    client.get(f"/heartbeat/{monitor.heartbeat_token}")
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
