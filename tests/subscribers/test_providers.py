"""Providers side by side: each sends at its own rate, so one held to a message a second holds
up nobody else's messages; and a provider's Retry-After is waited for before the next attempt."""

from datetime import timedelta

import pytest
from django.utils import timezone

from subscribers import ratelimit, tasks
from subscribers.channels import TRANSPORTS
from subscribers.models import Channel, Delivery, DeliveryStatus, Subscriber, SubscriberState
from subscribers.transports import WebhookTransport
from tests.subscribers.test_senders import active_webhook, fan_out_everything
from tests.support.scenes import open_api_incident


class SlackStandIn(WebhookTransport):
    """Posts as the generic webhook does, counted as Slack: the pipeline only sees `provider`."""

    provider = "slack"


@pytest.fixture(autouse=True)
def unthrottled():
    yield
    for provider in ("email", "webhook", "slack"):
        ratelimit.clear(provider)


def test_a_provider_throttled_to_a_message_a_second_holds_up_no_email(
    receiver, smtp, page, api, subscribe, settings, monkeypatch
):
    settings.NOTIFY_RATE_PER_SECOND = 1000
    # 4 a second, throttled: a quarter of that.
    settings.NOTIFY_RATES = {**settings.NOTIFY_RATES, "slack": 4}
    settings.NOTIFY_BATCH_SIZE = 10
    monkeypatch.setitem(TRANSPORTS, Channel.SLACK, SlackStandIn)
    monkeypatch.setattr(tasks, "SENDER_BUDGET_SECONDS", 3)
    # Created first, so they come first in the order deliveries are claimed in.
    channels = [
        Subscriber.objects.create(
            page=page,
            channel=Channel.SLACK,
            endpoint=f"{receiver.url}?n={n}",
            state=SubscriberState.ACTIVE,
        )
        for n in range(30)
    ]
    for n in range(20):
        subscribe(f"user{n}@example.org")
    open_api_incident(page, api)
    fan_out_everything()
    ratelimit.throttled("slack")

    tasks.send_due()  # one sender, which hands over once its budget has gone

    assert smtp.recorder.counts() == {f"user{n}@example.org": 1 for n in range(20)}
    to_slack = Delivery.objects.filter(subscriber__in=channels)
    sent = to_slack.filter(status=DeliveryStatus.SENT).count()
    assert 1 <= sent < 15
    assert to_slack.filter(status=DeliveryStatus.PENDING).count() == 30 - sent
    assert len(receiver.requests) == sent
    assert not ratelimit.is_throttled("email")


def test_deliveries_of_a_channel_without_a_transport_wait_and_hold_up_nobody(
    smtp, page, api, subscribe, monkeypatch
):
    monkeypatch.delitem(TRANSPORTS, Channel.TEAMS, raising=False)
    Subscriber.objects.create(
        page=page,
        channel=Channel.TEAMS,
        endpoint="https://example.webhook.office.com/x",
        state=SubscriberState.ACTIVE,
    )
    subscribe("ana@example.org")
    open_api_incident(page, api)
    fan_out_everything()

    tasks.send_due()

    assert smtp.recorder.counts() == {"ana@example.org": 1}
    waiting = Delivery.objects.get(subscriber__channel=Channel.TEAMS)
    assert waiting.status == DeliveryStatus.PENDING
    assert waiting.attempts == 0


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("600", 600),  # longer than the backoff: the provider's word
        ("1", 30),  # shorter: the backoff still holds
        ("86400", 3600),  # a day: capped at an hour
    ],
)
def test_a_429_is_retried_no_sooner_than_its_retry_after_says(
    receiver, page, api, settings, retry_after, wait
):
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    receiver.script = [429]
    receiver.headers = {"Retry-After": retry_after}
    hook = active_webhook(page, receiver.url)
    open_api_incident(page, api)
    fan_out_everything()

    before = timezone.now()
    tasks.send_due()
    after = timezone.now()

    delivery = Delivery.objects.get(subscriber=hook)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("HTTP 429")
    assert before + timedelta(seconds=wait) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= after + timedelta(seconds=wait)
    # The 429 slows webhooks, not email.
    assert ratelimit.is_throttled("webhook")
    assert not ratelimit.is_throttled("email")


def test_a_retry_after_given_as_a_date_is_honoured(receiver, page, api, settings):
    from email.utils import format_datetime

    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    at = timezone.now().replace(microsecond=0) + timedelta(minutes=20)
    receiver.script = [503, 200]
    receiver.headers = {"Retry-After": format_datetime(at, usegmt=True)}
    hook = active_webhook(page, receiver.url)
    open_api_incident(page, api)
    fan_out_everything()

    tasks.send_due()

    delivery = Delivery.objects.get(subscriber=hook)
    assert delivery.status == DeliveryStatus.PENDING
    assert at - timedelta(seconds=2) <= delivery.next_attempt_at <= at + timedelta(seconds=1)
    # Not claimed before its time, then sent once.
    tasks.send_due()
    assert len(receiver.requests) == 1
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    tasks.send_due()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(receiver.requests) == 2
