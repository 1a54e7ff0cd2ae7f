"""Fan-out benchmark: 10,000 confirmed subscribers, one incident update.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/beacon_bench
    export REDIS_URL=redis://127.0.0.1:6379/11
    .venv/bin/python bench/fanout/run.py [--subscribers 10000] [--workers 2] [--threads 8]

Measures the time from the commit of the update to the last message accepted by a local SMTP
sink, with the real pipeline (outbox nudge, fan-out task, sender tasks on two Celery worker
processes, one delivery row recorded per message). Then sends the same messages with a bare
single-process loop (personalise, build the MIME message, send over one SMTP connection; no
database writes) and prints both rates and their ratio. The database named in DATABASE_URL is
dropped and recreated: point it at a scratch database.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("SECRET_KEY", "beacon-bench-only-" + "x" * 40)
os.environ.setdefault("SITE_URL", "https://status.example.com")
os.environ["NOTIFY_RATE_PER_SECOND"] = "1000000"
# The test settings: static files from the finders, so no collectstatic is needed.
os.environ["DJANGO_SETTINGS_MODULE"] = "statuspage.settings_test"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start_sink(port: int, expected: int, out: Path) -> subprocess.Popen[bytes]:
    out.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/fanout/sink.py"), str(port), str(expected), str(out)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "ready"
    return process


def wait_for_file(path: Path, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return float(path.read_text().split()[0])
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {path}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    # Sending waits on the SMTP server and on PostgreSQL commits: threads overlap the waits.
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (a scratch database) and REDIS_URL (a spare Redis db).")
    n = args.subscribers
    work = ROOT / "var" / "bench-fanout"
    work.mkdir(parents=True, exist_ok=True)
    os.environ["BEACON_VAR_DIR"] = str(work)

    recreate_database(os.environ["DATABASE_URL"])
    port = free_port()
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(port)

    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()

    from components import services as components
    from incidents import services as incidents
    from pages.models import Page
    from subscribers import messages
    from subscribers.models import Channel, Delivery, DeliveryStatus, Subscriber, SubscriberState

    page = Page.objects.create(
        name="Example Status",
        url="https://status.example.com",
        is_default=True,
        time_zone="Europe/Paris",
    )
    api = components.create_component(page=page, name="API", actor="bench")
    Subscriber.objects.bulk_create(
        (
            Subscriber(
                page=page,
                channel=Channel.EMAIL,
                email=f"user{i}@example.org",
                state=SubscriberState.ACTIVE,
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    incident = incidents.open_incident(
        page=page,
        name="Elevated API errors",
        body="Investigating.",
        actor="bench",
        deliver_notifications=False,
    )

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "statuspage",
                "worker",
                "--pool=threads",
                f"--concurrency={args.threads}",
                "--loglevel=WARNING",
                "-n",
                f"bench{i}@%h",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
        )
        for i in range(args.workers)
    ]
    done = work / "pipeline.done"
    sink = start_sink(port, n, done)
    try:
        time.sleep(4)  # let the workers connect
        from django.db import transaction

        with transaction.atomic():
            update = incidents.post_incident_update(
                incident=incident,
                status="identified",
                body="We found the cause: a **bad deploy**. Rolling back.",
                component_statuses={api: "partial_outage"},
                actor="bench",
            )
        committed = time.time()
        last = wait_for_file(done, timeout=600)
        pipeline_seconds = last - committed
        sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait()
        sink.terminate()
        sink.wait()

    # The bare loop: the same messages, one process, one connection, no bookkeeping: what a
    # script would do, rendering the templates for each recipient.
    from django.core.mail import EmailMultiAlternatives, mailers
    from django.template.loader import render_to_string

    from events.models import OutboxEvent

    done = work / "bare.done"
    sink = start_sink(port, n, done)
    try:
        event = OutboxEvent.objects.filter(payload__update_id=update.pk).get()
        subscribers = list(Subscriber.objects.select_related("page").filter(page=page))
        started = time.time()
        found = messages.event_context(event)
        assert found is not None
        subject, context, _ = found
        connection = mailers.default
        connection.open()
        for subscriber in subscribers:
            unsubscribe = messages.unsubscribe_url(subscriber)
            links = {"manage_url": messages.manage_url(subscriber), "unsubscribe_url": unsubscribe}
            mail = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("emails/notification.txt", context | links),
                to=[subscriber.email],
                headers={
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
                connection=connection,
            )
            mail.attach_alternative(
                render_to_string("emails/notification.html", context | links), "text/html"
            )
            mail.send()
        connection.close()
        bare_seconds = wait_for_file(done, timeout=600) - started
    finally:
        sink.terminate()
        sink.wait()

    pipeline_rate = n / pipeline_seconds
    bare_rate = n / bare_seconds
    print(
        f"subscribers: {n}, worker processes: {args.workers} x {args.threads} threads, "
        f"deliveries sent: {sent}"
    )
    print(
        f"pipeline: {pipeline_seconds:.2f} s from commit to last message, {pipeline_rate:.0f} msg/s"
    )
    print(f"bare loop: {bare_seconds:.2f} s, {bare_rate:.0f} msg/s")
    print(f"ratio pipeline / bare loop: {pipeline_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
