"""Senders hold what they claim: one slow endpoint delays only itself, and a claim is a lease,
renewed as the sender works, checked before each send and when recording."""

import threading
import time
from collections import Counter
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from events.models import OutboxEvent
from subscribers import services, tasks
from subscribers.models import Delivery, DeliveryStatus, Subscriber
from subscribers.sending import Sender
from tests.support.scenes import open_api_incident


def active_webhook(page, url: str) -> Subscriber:
    hook = services.add_webhook_subscriber(page=page, endpoint=url, actor="tests")
    return services.confirm_subscriber(subscriber=hook, actor="tests")


def fan_out_everything() -> None:
    for event_id in OutboxEvent.objects.not_fanned_out().values_list("pk", flat=True):
        services.fan_out(event_id=event_id)


def test_a_slow_loris_endpoint_delays_only_itself_and_is_retried_later(
    hostile, receiver, smtp, page, api, subscribe, settings
):
    settings.NOTIFY_WEBHOOK_TIMEOUT = 6
    settings.NOTIFY_WEBHOOK_CONCURRENCY = 4
    slow = hostile("slow")
    slow_hook = active_webhook(page, slow.url)
    healthy = [active_webhook(page, f"{receiver.url}?n={n}") for n in range(30)]
    for n in range(5):
        subscribe(f"user{n}@example.org")

    open_api_incident(page, api)
    fan_out_everything()
    started = time.monotonic()
    tasks.send_due()
    elapsed = time.monotonic() - started

    paths = Counter(r["path"] for r in receiver.requests)
    assert paths == Counter({f"/hook?n={n}": 1 for n in range(30)})
    assert smtp.recorder.counts() == {f"user{n}@example.org": 1 for n in range(5)}
    # Every healthy endpoint was answered before the slow one's deadline: it held one thread.
    healthy_done = Delivery.objects.filter(subscriber__in=healthy).order_by("-sent_at")[0]
    slow_delivery = Delivery.objects.get(subscriber=slow_hook)
    assert healthy_done.sent_at is not None
    assert healthy_done.sent_at < slow_delivery.updated_at
    assert slow.closed.wait(10)
    # The attempt ended at its total deadline although a byte came every half second.
    assert 6 <= elapsed < 60
    assert slow_delivery.status == DeliveryStatus.PENDING
    assert slow_delivery.attempts == 1
    assert "within 6 s" in slow_delivery.last_error
    assert slow_delivery.next_attempt_at > timezone.now()

    # Later the endpoint answers: it gets its message, and nobody a second copy.
    slow.mode = "ok"
    Delivery.objects.filter(pk=slow_delivery.pk).update(next_attempt_at=timezone.now())
    tasks.send_due()
    slow_delivery.refresh_from_db()
    assert slow_delivery.status == DeliveryStatus.SENT
    assert slow.requests == 2  # the unanswered attempt and the one that got through
    assert Counter(r["path"] for r in receiver.requests) == paths
    assert smtp.recorder.counts() == {f"user{n}@example.org": 1 for n in range(5)}


def test_a_sender_whose_lease_was_handed_on_sends_and_records_nothing(smtp, page, api, subscribe):
    for n in range(3):
        subscribe(f"user{n}@example.org")
    open_api_incident(page, api)

    fan_out_everything()
    first = services.claim_deliveries(limit=10)
    assert len(first) == 3
    # The first sender stalls past its lease; the sweeper hands its deliveries to a second.
    Delivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    assert services.sweep().released == 3
    second = services.claim_deliveries(limit=10)

    stale = Sender()
    try:
        stale.send_batch(first)
    finally:
        stale.close()
    assert smtp.recorder.counts() == {}
    assert set(Delivery.objects.values_list("claim", flat=True)) == {second[0].claim}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENDING}

    fresh = Sender()
    try:
        fresh.send_batch(second)
    finally:
        fresh.close()
    assert smtp.recorder.counts() == {f"user{n}@example.org": 1 for n in range(3)}
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 3


def test_an_outcome_is_not_recorded_over_a_claim_that_moved_on(smtp, page, api, subscribe):
    subscribe("ana@example.org")
    open_api_incident(page, api)

    fan_out_everything()
    [mine] = services.claim_deliveries(limit=10)
    Delivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    services.sweep()
    [theirs] = services.claim_deliveries(limit=10)

    assert not services.mark_temporary_failure(mine, "timed out")
    assert not services.mark_sent(mine)
    theirs.refresh_from_db()
    assert theirs.status == DeliveryStatus.SENDING and theirs.attempts == 0


def test_the_sender_renews_its_lease_while_a_slow_endpoint_keeps_it_busy(
    hostile, page, api, settings
):
    settings.NOTIFY_WEBHOOK_TIMEOUT = 4
    settings.NOTIFY_LEASE_SECONDS = 2  # shorter than the attempt: only renewals keep it
    settings.NOTIFY_WEBHOOK_CONCURRENCY = 1
    slow = hostile("slow")
    ok = hostile("ok")
    active_webhook(page, slow.url)
    later = active_webhook(page, ok.url)
    open_api_incident(page, api)

    fan_out_everything()
    batch = services.claim_deliveries(limit=10)
    batch.sort(key=lambda d: d.subscriber_id == later.pk)  # the healthy one waits its turn
    initial = Delivery.objects.get(subscriber=later).lease_until

    sender = Sender()
    try:
        sender.send_batch(batch)
    finally:
        sender.close()

    waited = Delivery.objects.get(subscriber=later)
    assert waited.status == DeliveryStatus.SENT
    assert ok.requests == 1
    assert waited.sent_at is not None and initial is not None
    assert waited.sent_at > initial  # it waited past its first lease, and still held it


def test_an_unsubscribe_during_a_batch_stops_the_send(transactional_db, smtp, page, api):
    people = [
        services.add_email_subscriber(
            page=page, email=f"user{n}@example.org", actor="tests", skip_confirmation=True
        )
        for n in range(2)
    ]

    def unsubscribe_the_other(rcpt: str, offered: int) -> None:
        # The SMTP server runs in an event loop, where Django will not query: use a thread.
        def leave() -> None:
            for person in people:
                if person.email != rcpt:
                    services.unsubscribe(subscriber=person, actor="subscriber")
            connection.close()

        thread = threading.Thread(target=leave)
        thread.start()
        thread.join()
        return None

    smtp.recorder.rule = unsubscribe_the_other
    open_api_incident(page, api)

    fan_out_everything()
    tasks.send_due()

    counts = smtp.recorder.counts()
    assert sum(counts.values()) == 1
    [other] = [p for p in people if p.email not in counts]
    delivery = Delivery.objects.get(subscriber=other)
    assert delivery.status == DeliveryStatus.SUPPRESSED
    assert delivery.last_error == "subscriber unsubscribed"
