"""Real Celery workers and beat on their own Redis and the test database: checks are planned,
claimed, run, recorded and decided, never twice at once, and a dead worker's check runs again."""

import subprocess
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from components.models import ComponentStatus
from monitors import scheduling
from monitors.models import MonitorResult, MonitorSchedule
from tests.monitors.factories import http_monitor, service
from tests.support import personas
from tests.support.processes import child_env, spawn, stop, wait_for
from tests.support.stack import Redis

__all__ = ["service"]

TIMEOUT = 120


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start Celery workers (the first with beat on a thread) on a Redis of their own."""
    redis = Redis(folder=tmp_path / "redis")
    redis.start()
    db = connection.settings_dict
    started: list[subprocess.Popen[bytes]] = []

    def start(*extra: str, region: str = "", beat: bool = False):
        name = f"w{len(started)}-{uuid.uuid4().hex[:6]}"
        (tmp_path / name).mkdir()
        env = child_env(
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            REDIS_URL=redis.url,
            SECRET_KEY=settings.SECRET_KEY,
            BEACON_VAR_DIR=str(tmp_path / name),
            MONITOR_ALLOW_PRIVATE_TARGETS="1",
            MONITOR_REGION=region,
        )
        log = tmp_path / f"{name}.log"
        args = ["-m", "celery", "-A", "statuspage", "worker", "-n", f"{name}@%h", *extra]
        process = spawn([*args, *(["--beat-thread"] if beat else [])], env, log)
        started.append(process)
        return process, log

    yield start
    for process in started:
        stop(process)
    redis.stop()


def results(monitor) -> int:
    return MonitorResult.objects.filter(monitor=monitor).count()


def test_workers_and_beat_check_decide_and_never_run_a_check_twice_at_once(service, workers):
    page = personas.example_page()
    api = personas.component(page, "API")
    website = personas.component(page, "Website")
    # Slow answers and a one-second interval: a check run twice at once would show.
    service.delay = 0.3
    fields: dict[str, Any] = {
        "interval_seconds": 1,
        "down_after": 2,
        "down_window": 2,
        "up_after": 2,
    }
    watched = http_monitor(api, service.url_for("api"), **fields)
    others = [
        http_monitor(website, service.url_for(f"site-{n}"), name=f"site {n}", **fields)
        for n in range(6)
    ]
    first, log = workers("--pool=prefork", "--concurrency=2", beat=True)
    second, _ = workers("--pool=threads", "--concurrency=2")

    def all_checked_four_times() -> bool:
        assert first.poll() is None and second.poll() is None, log.read_text()
        return all(results(m) >= 4 for m in [watched, *others])

    wait_for(all_checked_four_times, timeout=TIMEOUT, what="every monitor checked", log=log)
    assert max(service.most_at_once.values()) == 1

    service.status = 500

    def api_is(status: str) -> bool:
        api.refresh_from_db()
        return api.status == status

    wait_for(lambda: api_is(ComponentStatus.MAJOR_OUTAGE), timeout=TIMEOUT, what="down", log=log)
    service.status = 200
    wait_for(lambda: api_is(ComponentStatus.OPERATIONAL), timeout=TIMEOUT, what="back", log=log)
    assert max(service.most_at_once.values()) == 1

    # "Check now" on a monitor due in an hour.
    later = http_monitor(website, service.url_for("later"), name="later", due_in=3600)
    scheduling.request_check(monitor=later, actor="alice")
    wait_for(lambda: results(later) == 1, timeout=TIMEOUT, what="the check asked for", log=log)


def test_a_check_held_by_a_dead_worker_runs_again_once_its_lease_runs_out(service, workers):
    page = personas.example_page()
    api = personas.component(page, "API")
    # A long timeout, so that the lease (timeout + 30 s) outlasts a slow start of the worker.
    held = http_monitor(api, service.url_for("held"), interval_seconds=1, timeout_seconds=90)
    busy = http_monitor(api, service.url_for("busy"), interval_seconds=1, name="busy")
    # A worker claimed it and died before recording anything.
    claims = scheduling.claim_due(region="", limit=1)
    assert [c.monitor.pk for c in claims] == [held.pk]
    _, log = workers("--pool=threads", "--concurrency=2", beat=True)

    wait_for(lambda: results(busy) >= 3, timeout=TIMEOUT, what="other checks running", log=log)
    assert results(held) == 0

    MonitorSchedule.objects.filter(monitor=held).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    wait_for(lambda: results(held) >= 1, timeout=TIMEOUT, what="the check taken over", log=log)


def test_a_regions_checks_run_on_that_regions_workers_only(service, workers):
    page = personas.example_page()
    api = personas.component(page, "API")
    europe = http_monitor(api, service.url_for("eu"), regions=["eu"], interval_seconds=1)
    anywhere = http_monitor(api, service.url_for("any"), interval_seconds=1, name="any")
    # The main site's worker and beat, which plans every region's checks, and one in Europe.
    _, log = workers("--pool=threads", beat=True)
    eu_worker, eu_log = workers("-Q", "monitors.eu", "--pool=threads", region="eu")

    wait_for(lambda: results(europe) >= 3, timeout=TIMEOUT, what="the eu checks", log=eu_log)
    assert set(MonitorResult.objects.filter(monitor=europe).values_list("region", flat=True)) == {
        "eu"
    }
    assert results(anywhere) >= 1

    # Without a worker in Europe, its checks wait; the others go on.
    stop(eu_worker)
    ran_in_europe = results(europe)
    ran_anywhere = results(anywhere)
    wait_for(lambda: results(anywhere) >= ran_anywhere + 3, timeout=TIMEOUT, what="more", log=log)
    assert results(europe) == ran_in_europe
