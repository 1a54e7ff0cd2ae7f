"""Fault tests on real processes: a Celery worker (with beat) sending to a real SMTP server,
killed with SIGKILL midway, and a Redis broker stopped while an operator posts an update."""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from incidents import services as incidents
from subscribers.models import Channel, Delivery, DeliveryStatus, Subscriber, SubscriberState
from tests.support.mail import SMTPServer
from tests.support.processes import child_env, free_port, spawn, stop, wait_for
from tests.support.scenes import open_api_incident

CONCURRENCY = 2
LEASE = 10


@pytest.fixture
def sink() -> Iterator[SMTPServer]:
    server = SMTPServer().start()
    yield server
    server.stop()


class Worker:
    """A Celery worker running beat on a thread (`--beat-thread`, as `manage.py start` runs it), on
    the test database and a Redis of ours."""

    def __init__(self, tmp_path: Path, redis_url: str, smtp_port: int) -> None:
        db = connection.settings_dict
        credentials = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
        self.env = child_env(
            DATABASE_URL=f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            REDIS_URL=redis_url,
            SECRET_KEY=settings.SECRET_KEY,
            BEACON_VAR_DIR=str(tmp_path),
            SITE_URL="https://status.example.com",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_TIMEOUT="5",
            NOTIFY_RATE_PER_SECOND="5000",
            NOTIFY_SWEEP_SECONDS="1",
            NOTIFY_WEBHOOK_TIMEOUT="3",
            NOTIFY_LEASE_SECONDS=str(LEASE),
            NOTIFY_BATCH_SIZE="20",
            NOTIFY_RETRY_BASE_SECONDS="1",
        )
        self.tmp_path = tmp_path
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.tmp_path / f"worker-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        schedule = self.tmp_path / "celerybeat-schedule"
        for leftover in self.tmp_path.glob("celerybeat-schedule*"):
            leftover.unlink()
        self.process = spawn(
            [
                "-m",
                "celery",
                "-A",
                "statuspage",
                "worker",
                "--beat-thread",
                f"--schedule={schedule}",
                "--pool=prefork",
                f"--concurrency={CONCURRENCY}",
                "--loglevel=INFO",
            ],
            self.env,
            self.log,
        )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def freeze(self) -> None:
        """Stop every process of the worker where it stands (SIGSTOP): what it has committed
        stays as it is until it is thawed or killed."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGCONT)

    def kill_while_holding(self, held, *, timeout: float) -> None:
        """Kill the worker at a moment it holds claims. Between two batches a sender holds none,
        so it is frozen first and killed only once the frozen state shows claims."""
        deadline = time.monotonic() + timeout
        while True:
            self.freeze()
            if held.exists() or time.monotonic() > deadline:
                self.kill()
                return
            self.thaw()
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop(self.process)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


def add_confirmed_subscribers(page, count: int) -> list[str]:
    addresses = [f"user{n}@example.org" for n in range(count)]
    Subscriber.objects.bulk_create(
        Subscriber(page=page, channel=Channel.EMAIL, email=a, state=SubscriberState.ACTIVE)
        for a in addresses
    )
    return addresses


def test_a_worker_killed_midway_through_2000_messages_finishes_after_a_restart(
    transactional_db, tmp_path, sink, page, api
):
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    addresses = add_confirmed_subscribers(page, 2000)
    worker = Worker(tmp_path, settings.REDIS_URL, sink.port)
    worker.start()
    try:
        open_api_incident(page, api)
        wait_for(
            lambda: sum(sink.recorder.counts().values()) >= 600,
            timeout=120,
            what="600 messages reaching the SMTP server",
            log=worker.log,
        )
        held = Delivery.objects.filter(status=DeliveryStatus.SENDING)
        worker.kill_while_holding(held, timeout=30)
        killed_at = time.monotonic()
        at_kill = sum(sink.recorder.counts().values())
        assert at_kill < 2000, "the worker finished before it could be killed midway"
        dead_claims = set(held.values_list("claim", flat=True))
        orphaned = held.count()
        assert orphaned, "the killed worker held no claims"

        worker.start()
        wait_for(
            lambda: not held.filter(claim__in=dead_claims).exists(),
            timeout=120,
            what="the killed worker's claims being handed back",
            log=worker.log,
        )
        recovered = time.monotonic() - killed_at
        # About a lease plus a sweep interval and the new worker's start (the wait above is
        # bounded well under the 5 minutes a default lease would take); how long exactly depends
        # on the machine's load, so it is reported rather than asserted.
        print(f"{orphaned} claimed deliveries handed back {recovered:.1f} s after the kill")
        wait_for(
            lambda: not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists(),
            timeout=180,
            what="every delivery being recorded as sent",
            log=worker.log,
        )
    finally:
        worker.stop()

    counts = sink.recorder.counts()
    assert set(counts) == set(addresses)
    duplicates = {a: n for a, n in counts.items() if n > 1}
    # The only window: accepted by the SMTP server, not yet recorded when the kill came; each
    # worker process has at most one message in it.
    assert sum(n - 1 for n in duplicates.values()) <= CONCURRENCY, duplicates
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2000


@pytest.fixture
def throwaway_redis(tmp_path) -> Iterator["ThrowawayRedis"]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


class ThrowawayRedis:
    def __init__(self, port: int, tmp_path: Path) -> None:
        self.port = port
        self.log = tmp_path / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(self.ping, timeout=10, what="redis starting", log=self.log)

    def ping(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def test_an_update_posted_while_redis_is_down_is_delivered_once_when_it_is_back(
    transactional_db, tmp_path, sink, page, api, throwaway_redis, settings
):
    addresses = add_confirmed_subscribers(page, 50)
    worker = Worker(tmp_path, throwaway_redis.url, sink.port)
    worker.start()
    try:
        incident = incidents.open_incident(
            page=page, name="Elevated API errors", body="Investigating.", actor="tests"
        )
        wait_for(
            lambda: len(sink.recorder.counts()) == 50,
            timeout=60,
            what="the first notification",
            log=worker.log,
        )

        throwaway_redis.stop()
        settings.REDIS_URL = throwaway_redis.url  # the web process's nudge goes to the dead one
        started = time.monotonic()
        update = incidents.post_incident_update(
            incident=incident, status="identified", body="Found it.", actor="tests"
        )
        print(f"posted with Redis down in {time.monotonic() - started:.3f} s")
        assert update.pk
        time.sleep(3)  # the worker and beat try to reach Redis meanwhile
        throwaway_redis.start()

        wait_for(
            lambda: (
                sum(sink.recorder.counts().values()) == 100
                and not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()
            ),
            timeout=120,
            what="the update reaching every subscriber after Redis came back",
            log=worker.log,
        )
    finally:
        worker.stop()
    assert sink.recorder.counts() == dict.fromkeys(addresses, 2)
