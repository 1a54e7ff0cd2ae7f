"""Planning, claiming with leases, and the phase of due times."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from monitors import scheduling
from monitors.models import MonitorKind, MonitorResult, MonitorSchedule, Verdict
from monitors.tasks import run_due
from tests.monitors.factories import heartbeat_monitor, http_monitor, service
from tests.support import personas

__all__ = ["service"]


def test_a_due_check_is_run_recorded_and_moved_on_by_its_interval(service, api):
    monitor = http_monitor(api, service.url_for("api"), interval_seconds=30)
    schedule = MonitorSchedule.objects.get(monitor=monitor)
    due = timezone.now() - timedelta(seconds=3)
    MonitorSchedule.objects.filter(pk=schedule.pk).update(next_due_at=due)

    assert scheduling.run_batch(region="") == 1

    result = MonitorResult.objects.get(monitor=monitor)
    assert result.verdict == Verdict.UP and result.status_code == 200
    schedule.refresh_from_db()
    # From the due time, not from when the check ran: the schedule keeps its phase.
    assert schedule.next_due_at == due + timedelta(seconds=30)
    assert schedule.lease_until is None and schedule.lease_token == ""
    monitor.refresh_from_db()
    assert monitor.last_verdict == Verdict.UP and monitor.last_checked_at == result.checked_at
    assert service.hits["/api"] == 1


def test_a_result_keeps_its_text_and_numbers_exactly_as_the_check_found_them(service, api):
    keyword = "naïve \"quotes\", 'apostrophes', back\\slash, {braces}, 100%"
    monitor = http_monitor(api, service.url_for("api"), keyword=keyword)

    assert scheduling.run_batch(region="") == 1

    result = MonitorResult.objects.get(monitor=monitor)
    assert result.verdict == Verdict.DOWN and result.status_code == 200
    assert result.error == f"'{keyword}' not found in the body"
    monitor.refresh_from_db()
    assert monitor.last_error == result.error
    assert monitor.last_latency_ms == result.latency_ms
    assert monitor.last_checked_at == result.checked_at


def test_after_downtime_missed_slots_are_skipped_not_run_in_a_burst(service, api):
    monitor = http_monitor(api, service.url_for("api"), interval_seconds=30)
    due = timezone.now() - timedelta(seconds=30 * 10 + 7)
    MonitorSchedule.objects.filter(monitor=monitor).update(next_due_at=due)

    assert scheduling.run_batch(region="") == 1
    assert scheduling.run_batch(region="") == 0

    assert service.hits["/api"] == 1
    next_due = MonitorSchedule.objects.get(monitor=monitor).next_due_at
    now = timezone.now()
    assert now < next_due <= now + timedelta(seconds=30)
    assert (next_due - due) % timedelta(seconds=30) == timedelta(0)


def test_a_check_not_yet_due_is_left_alone(service, api):
    http_monitor(api, service.url_for("api"), due_in=60)
    assert scheduling.run_batch(region="") == 0
    assert service.hits["/api"] == 0


def test_a_held_schedule_is_not_claimed_until_its_lease_runs_out(service, api):
    monitor = http_monitor(api, service.url_for("api"))
    first = scheduling.claim_due(region="", limit=10)
    assert [c.monitor.pk for c in first] == [monitor.pk]
    assert scheduling.claim_due(region="", limit=10) == []

    # The worker holding it died: its lease runs out, and another worker takes the check.
    MonitorSchedule.objects.filter(monitor=monitor).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert scheduling.run_batch(region="") == 1
    assert MonitorResult.objects.filter(monitor=monitor).count() == 1

    # The first worker coming back late records nothing over the new holder's slot.
    checked = scheduling.run_claims(first)
    assert scheduling.record(first, checked) == []
    assert MonitorResult.objects.filter(monitor=monitor).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_never_get_the_same_schedule(settings):
    page = personas.example_page()
    api = personas.component(page, "API")
    for n in range(60):
        http_monitor(api, f"http://127.0.0.1:9/{n}", name=f"check {n}")
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def claimer(index: int) -> None:
        try:
            for _ in range(6):
                barrier.wait(timeout=30)
                claims = scheduling.claim_due(region="", limit=7)
                claimed[index].extend(c.schedule.pk for c in claims)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    first, second = set(claimed[0]), set(claimed[1])
    assert len(claimed[0]) == len(first) and len(claimed[1]) == len(second)
    assert first.isdisjoint(second)
    # Between them they took every schedule that was due, each once.
    assert len(first | second) == 60
    assert not MonitorSchedule.objects.filter(lease_token="").exists()


def test_checks_of_a_region_run_only_on_that_regions_workers(service, api, website):
    europe = http_monitor(api, service.url_for("eu"), regions=["eu"])
    anywhere = http_monitor(website, service.url_for("any"))

    assert scheduling.run_batch(region="eu") == 1
    assert MonitorResult.objects.get(monitor=europe).region == "eu"
    assert not MonitorResult.objects.filter(monitor=anywhere).exists()

    assert scheduling.run_batch(region="") == 1
    assert MonitorResult.objects.get(monitor=anywhere).region == ""


def test_a_worker_of_another_region_leaves_the_task_alone(service, api, settings):
    settings.MONITOR_REGION = "us"
    monitor = http_monitor(api, service.url_for("eu"), regions=["eu"])
    run_due("eu")
    assert not MonitorResult.objects.filter(monitor=monitor).exists()
    settings.MONITOR_REGION = "eu"
    run_due("eu")
    assert MonitorResult.objects.filter(monitor=monitor, region="eu").count() == 1


def test_checks_are_routed_to_their_regions_queue():
    route = scheduling.route_task
    assert route("monitors.tasks.run_due", ["eu"], {}, {}) == {"queue": "monitors.eu"}
    assert route("monitors.tasks.run_due", [""], {}, {}) == {"queue": "celery"}
    assert route("subscribers.tasks.fan_out", [1], {}, {}) is None


def test_plan_counts_what_is_due_by_region_and_skips_disabled_and_held(service, api, website):
    http_monitor(api, service.url_for("a"), regions=["eu", "us"])
    http_monitor(website, service.url_for("b"), regions=["eu"])
    http_monitor(website, service.url_for("c"), enabled=False)
    http_monitor(website, service.url_for("d"), due_in=60)
    scheduling.claim_due(region="us", limit=10)

    assert scheduling.plan() == {"eu": 2}


def test_check_now_makes_the_monitor_due_and_nudges_only_after_commit(
    service, api, monkeypatch, django_capture_on_commit_callbacks
):
    monitor = http_monitor(api, service.url_for("api"), regions=["eu"], due_in=600)
    published = []
    monkeypatch.setattr(scheduling.broker, "publish", lambda *args: published.append(args))

    with django_capture_on_commit_callbacks() as callbacks:
        assert scheduling.request_check(monitor=monitor, actor="alice") == 1
        assert published == []
    for callback in callbacks:
        callback()

    assert published == [("monitors.tasks.run_due", "eu")]
    assert scheduling.run_batch(region="eu") == 1
    assert monitor.page.audit_entries.filter(action="check_now").exists()


def test_a_check_held_by_a_worker_is_not_made_due_again(service, api):
    monitor = http_monitor(api, service.url_for("api"))
    scheduling.claim_due(region="", limit=1)
    scheduling.request_check(monitor=monitor, actor="alice")
    assert scheduling.run_batch(region="") == 0


def test_checks_falling_due_before_the_next_plan_are_published_for_the_window_they_fall_in(
    service, api, website, monkeypatch
):
    soon = http_monitor(api, service.url_for("soon"), due_in=4.2)
    http_monitor(website, service.url_for("later"), due_in=30)  # the next plan's
    published = []
    monkeypatch.setattr(scheduling.broker, "publish", lambda *a, **kw: published.append((a, kw)))

    assert scheduling.plan() == {"": 1}

    [(args, options)] = published
    assert args[:2] == ("monitors.tasks.run_due", "")
    due = MonitorSchedule.objects.get(monitor=soon).next_due_at
    # Published for the first check of its window, on the tick before it falls due, never
    # after: the task does not wait for a lone check. It claims up to its window's end.
    tick = timedelta(seconds=scheduling.START_TICK_SECONDS)
    assert timedelta(0) <= due - options["eta"] < tick
    assert options["expires"] > options["eta"]
    assert args[2] == pytest.approx(due.timestamp(), abs=1e-6)


def test_checks_of_one_window_share_a_task_published_for_the_first_of_them(
    service, api, website, monkeypatch
):
    first = http_monitor(api, service.url_for("first"))
    second = http_monitor(website, service.url_for("second"))
    now = timezone.now()
    for monitor, due_in in ((first, 4.3), (second, 5.6)):  # within 2 s of the first
        MonitorSchedule.objects.filter(monitor=monitor).update(
            next_due_at=now + timedelta(seconds=due_in)
        )
    published = []
    monkeypatch.setattr(scheduling.broker, "publish", lambda *a, **kw: published.append((a, kw)))

    assert scheduling.plan(now=now) == {"": 2}

    [(args, options)] = published
    assert options["eta"] == now + timedelta(seconds=4.25)
    assert args[2] == pytest.approx((now + timedelta(seconds=5.6)).timestamp(), abs=1e-6)


def windows(offsets, now, kind=MonitorKind.HTTP):
    return scheduling._windows([(now + timedelta(seconds=s), kind) for s in offsets], now)


def test_a_sparse_installations_windows_stay_short(settings):
    settings.MONITOR_BATCH_SIZE = 100
    now = timezone.now()
    # A few checks: a window is the 2 s after its first check, and a lone one is not waited for.
    found = windows([0.3, 1.9, 2.6, 7.0], now)
    expected = [(0.25, 1.9, 2), (2.5, 2.6, 1), (7.0, 7.0, 1)]
    assert [(w.at, w.until, w.count) for w in found] == expected


def test_dense_checks_fill_a_window_up_to_a_batch_within_the_longest_window(settings):
    settings.MONITOR_BATCH_SIZE = 100
    now = timezone.now()
    # 1,000 checks every 30 s: 33 a second, so a batch is full some 3 s after the first.
    offsets = [n * 0.03 for n in range(400)]
    found = windows(offsets, now)
    assert [w.count for w in found] == [100, 100, 100, 100]
    assert found[0].at == 0.0 and found[0].until == pytest.approx(2.97)
    assert found[1].at == 3.0 and found[1].until == pytest.approx(5.97)
    # Never longer than MAX_WINDOW_SECONDS: a burst of 50, then one every half-second.
    found = windows([n * 0.02 for n in range(50)] + [1 + n * 0.5 for n in range(1, 12)], now)
    assert [w.count for w in found] == [58, 3]
    assert found[0].until == scheduling.MAX_WINDOW_SECONDS
    # More than a batch within 2 s: one window after the other, none over a batch.
    found = windows([n * 0.01 for n in range(250)], now)
    assert [w.count for w in found] == [100, 100, 50]
    assert [w.at for w in found] == [0.0, 1.0, 2.0]
    assert sum(w.count for w in windows(offsets, now)) == len(offsets)


def test_heartbeats_keep_their_step_after_the_deadline(settings):
    now = timezone.now()
    [found] = windows([4.2, 4.4], now, kind=MonitorKind.HEARTBEAT)
    assert (found.at, found.until, found.count) == (4.5, None, 2)
    settings.MONITOR_BATCH_SIZE = 2
    found = windows([4.2, 4.3, 4.4], now, kind=MonitorKind.HEARTBEAT)
    assert [(w.at, w.count) for w in found] == [(4.5, 2), (4.5, 1)]


def test_a_windows_task_claims_its_window_and_not_the_next(service, api, website):
    first = http_monitor(api, service.url_for("first"), due_in=0.5)
    second = http_monitor(website, service.url_for("second"), due_in=1.5)
    until = MonitorSchedule.objects.get(monitor=first).next_due_at.timestamp()

    assert scheduling.run_due(region="", until=until) == 1

    assert MonitorResult.objects.filter(monitor=first).count() == 1
    assert not MonitorResult.objects.filter(monitor=second).exists()
    assert MonitorSchedule.objects.get(monitor=second).lease_until is None
    # The next window's task takes the other; a window planned twice claims nothing again.
    assert scheduling.run_due(region="", until=time.time() + 2) == 1
    assert scheduling.run_due(region="", until=until) == 0
    assert MonitorResult.objects.filter(monitor=second).count() == 1


def test_a_heartbeat_is_published_for_just_after_its_deadline(api, monkeypatch):
    monitor = heartbeat_monitor(api, interval=60, grace=30)
    MonitorSchedule.objects.filter(monitor=monitor).update(
        next_due_at=timezone.now() + timedelta(seconds=4.2)
    )
    published = []
    monkeypatch.setattr(scheduling.broker, "publish", lambda *a, **kw: published.append((a, kw)))

    assert scheduling.plan() == {"": 1}

    [(_, options)] = published
    due = MonitorSchedule.objects.get(monitor=monitor).next_due_at
    step = timedelta(seconds=scheduling.PLAN_STEP_SECONDS)
    assert timedelta(0) <= options["eta"] - due < step


def test_a_check_falling_due_within_the_window_is_claimed_ahead_and_started_when_due(
    service, api, website
):
    overdue = http_monitor(api, service.url_for("overdue"), due_in=-3)
    ahead = http_monitor(website, service.url_for("ahead"), due_in=1.0)
    due = MonitorSchedule.objects.get(monitor=ahead).next_due_at

    # One batch takes both, and runs each when it falls due.
    assert scheduling.run_batch(region="") == 2

    result = MonitorResult.objects.get(monitor=ahead)
    assert result.verdict == Verdict.UP and result.checked_at >= due
    assert MonitorResult.objects.get(monitor=overdue).checked_at < due
    schedule = MonitorSchedule.objects.get(monitor=ahead)
    assert schedule.next_due_at == due + timedelta(seconds=30)
    assert schedule.lease_until is None
    ahead.refresh_from_db()
    assert ahead.last_checked_at == result.checked_at


def test_a_claim_ahead_leases_until_its_last_check_can_have_ended(service, api):
    monitor = http_monitor(api, service.url_for("api"), due_in=1.5, timeout_seconds=5.0)
    [claim] = scheduling.claim_due(region="", limit=10, ahead=2.0)
    assert claim.monitor.pk == monitor.pk
    due = claim.schedule.next_due_at
    margin = timedelta(seconds=5.0 + scheduling.LEASE_MARGIN_SECONDS)
    assert claim.schedule.lease_until == due + margin
    # Another claimer, ahead or not, passes it over.
    assert scheduling.claim_due(region="", limit=10, ahead=2.0) == []


def test_a_heartbeat_is_not_claimed_ahead_of_its_deadline(api):
    monitor = heartbeat_monitor(api, interval=60, grace=30)
    MonitorSchedule.objects.filter(monitor=monitor).update(
        next_due_at=timezone.now() + timedelta(seconds=1)
    )
    # A ping may still come: judged once its deadline has passed, not before.
    assert scheduling.run_batch(region="") == 0
    assert not MonitorResult.objects.filter(monitor=monitor).exists()


def test_a_worker_plans_again_a_check_whose_interval_is_shorter_than_beats(
    service, api, monkeypatch
):
    monitor = http_monitor(api, service.url_for("api"), interval_seconds=4)
    published = []
    monkeypatch.setattr(scheduling.broker, "publish", lambda *a, **kw: published.append((a, kw)))

    assert scheduling.run_batch(region="") == 1

    [(args, options)] = published
    assert args[:2] == ("monitors.tasks.run_due", "")
    due = MonitorSchedule.objects.get(monitor=monitor).next_due_at
    assert args[2] == pytest.approx(due.timestamp(), abs=1e-6)
    ahead = timedelta(seconds=scheduling.CLAIM_AHEAD_SECONDS)
    assert timedelta(0) <= due - options["eta"] < ahead


def test_a_check_asked_for_while_its_schedule_is_claimed_ahead_is_not_lost(service, api):
    monitor = http_monitor(api, service.url_for("api"), due_in=1.0)
    claims = scheduling.claim_due(region="", limit=10, ahead=scheduling.CLAIM_AHEAD_SECONDS)
    assert [c.monitor.pk for c in claims] == [monitor.pk]
    # "Check now" (or a changed target) while the claim waits for the check's due time.
    assert scheduling.request_check(monitor=monitor, actor="alice") == 1
    asked = MonitorSchedule.objects.get(monitor=monitor).next_due_at

    recorded = scheduling.record(claims, scheduling.run_claims(claims))

    assert [c.monitor.pk for c in recorded] == [monitor.pk]
    schedule = MonitorSchedule.objects.get(monitor=monitor)
    assert schedule.next_due_at == asked  # not moved on to the slot after the check
    assert (schedule.lease_until, schedule.lease_token) == (None, "")
    assert scheduling.run_batch(region="") == 1
