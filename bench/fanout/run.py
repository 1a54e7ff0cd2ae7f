"""Fan-out benchmark: 10,000 confirmed subscribers, one incident update.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/beacon_bench
    export REDIS_URL=redis://127.0.0.1:6379/11
    .venv/bin/python bench/fanout/run.py [--subscribers 10000] [--workers 2] [--threads 8]
    .venv/bin/python bench/fanout/run.py --mixed [--rates twilio=10]

Measures the time from the commit of the update to the last message accepted by a local SMTP
sink, with the real pipeline (outbox nudge, fan-out task, sender tasks on two Celery worker
processes, one delivery row recorded per message). Then sends the same messages with a bare
single-process loop (personalise, build the MIME message, send over one SMTP connection; no
database writes) and prints both rates and their ratio. The database named in DATABASE_URL is
dropped and recreated: point it at a scratch database.

`--mixed`: the same count of subscribers split 70% email (the SMTP sink), 20% Slack (a local
server answering as Slack's incoming webhooks do: 200 `ok`) and 10% SMS (a local server
answering as Twilio's Messages API does: 201 and a message resource), one update to all of
them, against an email-only run of the same count on the same workers as the baseline. It
prints `mixed: N deliveries/s`, each channel's figure and the ratio to the baseline. The
providers' rate limits are set far above the sending rate unless `--rates` names some
(NOTIFY_RATES syntax): with `--rates twilio=10` the SMS take 100 s, and the email and Slack
figures show whether they waited for them. Channels that subscribers/channels.py has no
transport for yet go through a stand-in (bench/fanout/worker.py), and the run says so.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.read.stack import free_port, recreate_database, use_test_settings  # noqa: E402

use_test_settings()
os.environ.setdefault("SITE_URL", "https://status.example.com")
os.environ["NOTIFY_RATE_PER_SECOND"] = "1000000"
UNLIMITED = ("webhook", "slack", "teams", "discord", "google_chat", "twilio")
os.environ["NOTIFY_RATES"] = ",".join(f"{provider}=1000000" for provider in UNLIMITED)
# The Slack and SMS sinks listen on 127.0.0.1.
os.environ["NOTIFY_ALLOW_PRIVATE_WEBHOOKS"] = "1"


def sms_environment(url: str) -> dict[str, str]:
    """What the Twilio transport needs to post to the local sink instead of api.twilio.com.
    (The stand-in posts to the subscriber's endpoint, which the run sets to the sink too.)"""
    return {
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "bench",
        "TWILIO_FROM": "+15005550006",
        "TWILIO_API_BASE": url,
        # The bench's pages are not served, so nothing would take Twilio's status reports.
        "TWILIO_STATUS_CALLBACKS": "0",
    }


def start_sink(port: int, expected: int, out: Path, kind: str = "smtp") -> subprocess.Popen[bytes]:
    out.unlink(missing_ok=True)
    command = [str(ROOT / "bench/fanout/sink.py"), str(port), str(expected), str(out)]
    if kind != "smtp":
        command = [str(ROOT / "bench/fanout/http_sink.py"), str(port), str(expected), str(out)]
        command.append(kind)
    process = subprocess.Popen([sys.executable, *command], stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    process.stdout.readline()  # "ready"
    return process


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait()


def wait_for_file(path: Path, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return float(path.read_text().split()[0])
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {path}")


def start_workers(count: int, threads: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench/fanout/worker.py"),
                "--pool=threads",
                f"--concurrency={threads}",
                "--loglevel=WARNING",
                "-n",
                f"bench{i}@%h",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
        )
        for i in range(count)
    ]


def make_page(name: str, host: str, subscribers: list[dict[str, Any]]) -> tuple[Any, Any, Any]:
    """A page with an API component, the given active subscribers and an open incident."""
    from components import services as components
    from incidents import services as incidents
    from pages.models import Page
    from subscribers.models import Subscriber, SubscriberState

    page = Page.objects.create(
        name=name, url=f"https://{host}", is_default=host == "status.example.com"
    )
    api = components.create_component(page=page, name="API", actor="bench")
    Subscriber.objects.bulk_create(
        (Subscriber(page=page, state=SubscriberState.ACTIVE, **fields) for fields in subscribers),
        batch_size=2000,
    )
    incident = incidents.open_incident(
        page=page,
        name="Elevated API errors",
        body="Investigating.",
        actor="bench",
        deliver_notifications=False,
    )
    return page, api, incident


def emails(n: int, prefix: str = "user") -> list[dict[str, Any]]:
    return [{"channel": "email", "email": f"{prefix}{i}@example.org"} for i in range(n)]


def post_update(incident: Any, api: Any) -> tuple[Any, float]:
    """Post the update that notifies everyone; the time of its commit."""
    from django.db import transaction

    from incidents import services as incidents

    with transaction.atomic():
        update = incidents.post_incident_update(
            incident=incident,
            status="identified",
            body="We found the cause: a **bad deploy**. Rolling back.",
            component_statuses={api: "partial_outage"},
            actor="bench",
        )
    return update, time.time()


def sent_for(page: Any) -> int:
    from subscribers.models import Delivery, DeliveryStatus

    return Delivery.objects.filter(status=DeliveryStatus.SENT, event__page=page).count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    # Sending waits on the SMTP server and on PostgreSQL commits: threads overlap the waits.
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--mixed", action="store_true", help="70%% email, 20%% Slack, 10%% SMS")
    parser.add_argument("--rates", default="", help="providers' limits, e.g. twilio=10")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (a scratch database) and REDIS_URL (a spare Redis db).")
    if args.rates:
        os.environ["NOTIFY_RATES"] += "," + args.rates
    work = ROOT / "var" / "bench-fanout"
    work.mkdir(parents=True, exist_ok=True)
    os.environ["BEACON_VAR_DIR"] = str(work)

    recreate_database(os.environ["DATABASE_URL"])
    port = free_port()
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(port)
    sms_url = f"http://127.0.0.1:{free_port()}"
    os.environ.update(sms_environment(sms_url))

    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    if args.mixed:
        mixed(args, port, sms_url, work)
    else:
        email_only(args, port, work)


def email_only(args: argparse.Namespace, port: int, work: Path) -> None:
    from django.core.mail import EmailMultiAlternatives, mailers
    from django.template.loader import render_to_string

    from events.models import OutboxEvent
    from subscribers import messages
    from subscribers.models import Subscriber

    n = args.subscribers
    page, api, incident = make_page("Example Status", "status.example.com", emails(n))
    workers = start_workers(args.workers, args.threads)
    done = work / "pipeline.done"
    sink = start_sink(port, n, done)
    try:
        time.sleep(4)  # let the workers connect
        update, committed = post_update(incident, api)
        pipeline_seconds = wait_for_file(done, timeout=600) - committed
        sent = sent_for(page)
    finally:
        stop_all([*workers, sink])

    # The bare loop: the same messages, one process, one connection, no bookkeeping: what a
    # script would do, rendering the templates for each recipient.
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
        stop_all([sink])

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


def mixed(args: argparse.Namespace, port: int, sms_url: str, work: Path) -> None:
    from bench.fanout.worker import STAND_INS
    from subscribers.channels import TRANSPORTS

    n = args.subscribers
    counts = {"email": n * 70 // 100, "slack": n * 20 // 100}
    counts["sms"] = n - counts["email"] - counts["slack"]
    slack_port = free_port()
    slack_url = f"http://127.0.0.1:{slack_port}"
    sms_port = int(sms_url.rsplit(":", 1)[1])
    carried_by = {
        channel: TRANSPORTS[channel].__name__
        if channel in TRANSPORTS
        else f"stand-in: the webhook transport as provider {STAND_INS[channel]}"
        for channel in counts
    }

    _, warm_api, warm_incident = make_page("Warm-up", "warmup.example.com", emails(200, "warm"))
    baseline_page, baseline_api, baseline_incident = make_page(
        "Example Status", "status.example.com", emails(n)
    )
    mix = emails(counts["email"], "mixed")
    mix += [
        {"channel": "slack", "endpoint": f"{slack_url}/services/T0BENCH/B0BENCH/{i}"}
        for i in range(counts["slack"])
    ]
    mix += [
        {
            "channel": "sms",
            "phone_number": f"+1415{i:07d}",
            "phone_country": "US",
            # Where the stand-in posts; the Twilio transport posts to TWILIO_API_BASE.
            "endpoint": f"{sms_url}/2010-04-01/Accounts/AC/Messages.json?to={i}",
        }
        for i in range(counts["sms"])
    ]
    mixed_page, mixed_api, mixed_incident = make_page("Mixed Status", "mixed.example.com", mix)

    workers = start_workers(args.workers, args.threads)
    try:
        time.sleep(4)  # let the workers connect
        # A first small event, so neither measured run pays for the workers' first tasks.
        warm_done = work / "warmup.done"
        sink = start_sink(port, 200, warm_done)
        post_update(warm_incident, warm_api)
        wait_for_file(warm_done, timeout=120)
        stop_all([sink])

        done = work / "baseline.done"
        sink = start_sink(port, n, done)
        _, committed = post_update(baseline_incident, baseline_api)
        baseline_seconds = wait_for_file(done, timeout=600) - committed
        stop_all([sink])
        baseline_sent = sent_for(baseline_page)

        files = {channel: work / f"mixed-{channel}.done" for channel in counts}
        sinks = [
            start_sink(port, counts["email"], files["email"]),
            start_sink(slack_port, counts["slack"], files["slack"], "slack"),
            start_sink(sms_port, counts["sms"], files["sms"], "twilio"),
        ]
        _, committed = post_update(mixed_incident, mixed_api)
        seconds = {
            channel: wait_for_file(path, timeout=1200) - committed
            for channel, path in files.items()
        }
        stop_all(sinks)
        mixed_sent = sent_for(mixed_page)
    finally:
        stop_all(workers)

    mixed_seconds = max(seconds.values())
    baseline_rate = n / baseline_seconds
    mixed_rate = n / mixed_seconds
    print(f"subscribers: {n}, worker processes: {args.workers} x {args.threads} threads")
    print(f"rates: {os.environ['NOTIFY_RATES']}, email {os.environ['NOTIFY_RATE_PER_SECOND']}")
    print(
        f"email-only baseline: {n} in {baseline_seconds:.2f} s, {baseline_rate:.0f} deliveries/s"
        f" (sent {baseline_sent})"
    )
    print(f"mixed: {mixed_rate:.0f} deliveries/s ({n} in {mixed_seconds:.2f} s, sent {mixed_sent})")
    for channel, count in counts.items():
        print(
            f"  {channel}: {count} in {seconds[channel]:.2f} s, "
            f"{count / seconds[channel]:.0f} deliveries/s ({carried_by[channel]})"
        )
    print(f"ratio mixed / email-only: {mixed_rate / baseline_rate:.2f}")


if __name__ == "__main__":
    main()
