"""From an operator's change to messages at a real SMTP server and a real webhook receiver."""

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone

from components.models import ComponentStatus
from events.models import OutboxEvent
from incidents import services as incidents
from maintenance import services as maintenance
from subscribers import services, tasks
from subscribers.models import Delivery, DeliveryStatus, SubscriberState
from tests.support.delivery import deliver_all
from tests.support.scenes import (
    open_api_incident,
    past_incident,
    post_identified,
    schedule_upgrade,
)


def test_an_opened_incident_reaches_every_subscriber_once_with_a_branded_message(
    smtp, page, api, subscribe
):
    subscribe("ana@example.org")
    subscribe("bo@example.org")

    open_api_incident(page, api)
    deliver_all()

    assert smtp.recorder.counts() == {"ana@example.org": 1, "bo@example.org": 1}
    message = smtp.recorder.messages_to("ana@example.org")[0]
    assert message["Subject"] == "[Example Status] Partial outage: Elevated API errors"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<https://status.example.com/subscriptions/" in message["List-Unsubscribe"]
    assert "mailto:" in message["List-Unsubscribe"]
    text, html = (
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    )
    assert "We are investigating **errors** on the API." in text
    assert "API: Partial outage" in text
    assert "CET" in text or "CEST" in text  # the page's zone, Europe/Paris
    assert "https://status.example.com/incidents/" in text
    assert "<strong>errors</strong>" in html


def test_fanning_out_twice_sends_nothing_twice(smtp, page, api, subscribe):
    subscribe("ana@example.org")
    open_api_incident(page, api)
    event = OutboxEvent.objects.get(kind="incident.opened")

    services.fan_out(event_id=event.pk)
    OutboxEvent.objects.filter(pk=event.pk).update(fanned_out_at=None)
    services.fan_out(event_id=event.pk)
    deliver_all()

    assert Delivery.objects.count() == 1
    assert smtp.recorder.counts() == {"ana@example.org": 1}


def test_component_subscribers_hear_only_about_their_components(
    smtp, page, api, dashboard, subscribe
):
    subscribe("everything@example.org")
    subscribe("api-only@example.org", components=[api])
    subscribe("dashboard-only@example.org", components=[dashboard])

    open_api_incident(page, api)
    incidents.open_incident(page=page, name="Odd behaviour", body="Looking.", actor="tests")
    deliver_all()

    assert smtp.recorder.counts() == {"everything@example.org": 2, "api-only@example.org": 1}


def test_backfilled_incidents_and_quiet_updates_notify_nobody(smtp, page, api, subscribe):
    subscribe("ana@example.org")
    last_year = timezone.now() - timedelta(days=300)
    # Still open, as entered: a backfilled incident tells nobody whatever its status.
    past_incident(page, "Last year's outage", last_year, status="investigating")
    incident = open_api_incident(page, api)
    post_identified(incident, "Typo fix, nobody needs an email.", deliver_notifications=False)
    deliver_all()

    assert smtp.recorder.counts() == {"ana@example.org": 1}  # only the opening


def test_maintenance_scheduled_and_started_are_announced(smtp, page, api, subscribe):
    subscribe("ana@example.org")
    now = timezone.now()
    m = schedule_upgrade(page, now + timedelta(hours=2), hours=1, components=[api])
    maintenance.post_maintenance_update(
        maintenance=m, status="in_progress", body="Started.", actor="tests"
    )
    deliver_all()

    subjects = [m["Subject"] for m in smtp.recorder.messages_to("ana@example.org")]
    assert subjects == [
        "[Example Status] Scheduled maintenance: Database upgrade",
        "[Example Status] Maintenance in progress: Database upgrade",
    ]


def test_a_temporary_rejection_is_retried_until_delivered_once(smtp, page, api, subscribe):
    for n in range(20):
        subscribe(f"user{n}@example.org")
    # 30% of first attempts, and a further 30% of second ones, are refused for now.
    smtp.recorder.rule = lambda rcpt, offered: (
        "451 4.3.0 try again later" if offered < 2 and hash(rcpt) % 10 < 3 else None
    )

    open_api_incident(page, api)
    deliver_all()

    assert smtp.recorder.counts() == {f"user{n}@example.org": 1 for n in range(20)}
    assert Delivery.objects.exclude(status=DeliveryStatus.SENT).count() == 0


def test_a_permanent_rejection_suppresses_the_address_and_is_not_retried(
    smtp, page, api, subscribe
):
    subscribe("ana@example.org")
    gone = subscribe("gone@example.org")
    smtp.recorder.rule = lambda rcpt, offered: (
        "550 5.1.1 no such user" if rcpt == "gone@example.org" else None
    )

    incident = open_api_incident(page, api)
    deliver_all()
    post_identified(incident, "Found it.")
    deliver_all()

    gone.refresh_from_db()
    assert gone.state == SubscriberState.SUPPRESSED
    assert "550" in gone.suppressed_reason
    assert smtp.recorder.offered["gone@example.org"] == 1
    assert smtp.recorder.counts() == {"ana@example.org": 2}


def test_a_dropped_connection_is_retried_on_a_new_one(smtp, page, api, subscribe):
    subscribe("ana@example.org")
    subscribe("bo@example.org")
    smtp.recorder.drop_once = {"ana@example.org"}

    open_api_incident(page, api)
    deliver_all()

    assert smtp.recorder.counts() == {"ana@example.org": 1, "bo@example.org": 1}


def test_a_webhook_that_fails_with_500_is_retried_and_signed(receiver, page, api, settings):
    hook = services.add_webhook_subscriber(page=page, endpoint=receiver.url, actor="tests")
    services.confirm_subscriber(subscriber=hook, actor="tests")
    receiver.script = [500, 200]

    open_api_incident(page, api)
    deliver_all()

    assert len(receiver.requests) == 2
    last = receiver.requests[-1]
    body = receiver.bodies()[-1]
    assert body["incident"]["name"] == "Elevated API errors"
    assert body["incident"]["incident_updates"][0]["affected_components"][0]["new_status"] == (
        "partial_outage"
    )
    assert body["page"]["id"] == page.pk
    assert body["meta"]["unsubscribe"].startswith("https://status.example.com/subscriptions/")
    timestamp = last["headers"]["X-Beacon-Timestamp"]
    expected = hmac.new(
        hook.secret.encode(), timestamp.encode() + b"." + last["body"], hashlib.sha256
    ).hexdigest()
    assert last["headers"]["X-Beacon-Signature"] == f"t={timestamp},v1={expected}"
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_webhook_answering_410_is_disabled(receiver, page, api):
    hook = services.add_webhook_subscriber(page=page, endpoint=receiver.url, actor="tests")
    services.confirm_subscriber(subscriber=hook, actor="tests")
    receiver.script = [410]

    incident = open_api_incident(page, api)
    deliver_all()
    incidents.post_incident_update(incident=incident, status="identified", body="x", actor="t")
    deliver_all()

    hook.refresh_from_db()
    assert hook.state == SubscriberState.SUPPRESSED
    assert len(receiver.requests) == 1


def test_a_webhook_is_confirmed_by_answering_the_signed_ping(receiver, page):
    hook = services.add_webhook_subscriber(page=page, endpoint=receiver.url, actor="tests")
    assert hook.state == SubscriberState.UNCONFIRMED

    tasks.send_confirmation(hook.pk)

    hook.refresh_from_db()
    assert hook.state == SubscriberState.ACTIVE
    assert receiver.bodies()[0]["confirmation"]["secret"] == hook.secret


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "http://127.0.0.1:9/hook", "http://10.0.0.7/hook"]
)
def test_webhooks_to_other_schemes_and_private_addresses_are_refused(page, url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.add_webhook_subscriber(page=page, endpoint=url, actor="tests")


def test_resolving_and_publishing_a_postmortem_notify_email_and_webhook_subscribers(
    smtp, receiver, page, api, subscribe
):
    subscribe("ana@example.org")
    hook = services.add_webhook_subscriber(page=page, endpoint=receiver.url, actor="tests")
    services.confirm_subscriber(subscriber=hook, actor="tests")
    incident = open_api_incident(page, api)
    incidents.resolve_incident(incident=incident, actor="tests")
    incidents.publish_postmortem(
        incident=incident, body="## What happened\n\nA bad deploy.", actor="tests"
    )
    deliver_all()

    subjects = [m["Subject"] for m in smtp.recorder.messages_to("ana@example.org")]
    assert subjects == [
        "[Example Status] Partial outage: Elevated API errors",
        "[Example Status] Resolved: Elevated API errors",
        "[Example Status] Postmortem: Elevated API errors",
    ]
    last = receiver.bodies()[-1]["incident"]
    assert last["postmortem_body"] == "## What happened\n\nA bad deploy."
    assert last["status"] == "postmortem"
    assert len(receiver.requests) == 3


def test_a_maintenance_reminder_reaches_only_subscribers_of_its_components(
    smtp, page, api, dashboard, subscribe
):
    subscribe("api@example.org", components=[api])
    subscribe("dashboard@example.org", components=[dashboard])
    now = timezone.now()
    schedule_upgrade(
        page,
        now + timedelta(minutes=30),
        hours=0.5,
        components=[api],
        remind_minutes_before=60,
        deliver_notifications=False,
    )
    maintenance.run_scheduled_maintenance(now=now)
    deliver_all()

    subjects = [m["Subject"] for m in smtp.recorder.messages_to("api@example.org")]
    assert subjects == ["[Example Status] Maintenance reminder: Database upgrade"]
    assert smtp.recorder.counts() == {"api@example.org": 1}


def test_a_421_reply_is_retried_and_slows_every_email_sender_only(
    smtp, page, api, subscribe, settings
):
    from subscribers import ratelimit

    subscribe("ana@example.org")
    smtp.recorder.rule = lambda rcpt, offered: "421 4.7.0 slow down" if offered == 0 else None
    try:
        open_api_incident(page, api)
        deliver_all()
        email_throttled = ratelimit.is_throttled("email")
        webhooks_throttled = ratelimit.is_throttled("webhook")
    finally:
        ratelimit.clear("email")

    assert email_throttled
    assert not webhooks_throttled
    assert smtp.recorder.counts() == {"ana@example.org": 1}
    assert smtp.recorder.offered["ana@example.org"] == 2


def test_a_component_status_change_posts_a_component_update_webhook_and_no_email(
    smtp, receiver, page, api, dashboard, subscribe
):
    from components import services as components

    subscribe("ana@example.org")
    hook = services.add_webhook_subscriber(
        page=page, endpoint=receiver.url, components=[api], actor="tests"
    )
    services.confirm_subscriber(subscriber=hook, actor="tests")

    components.set_component_statuses(
        page=page, statuses={api: ComponentStatus.DEGRADED_PERFORMANCE}, actor="tests"
    )
    components.set_component_statuses(
        page=page, statuses={dashboard: ComponentStatus.MAJOR_OUTAGE}, actor="tests"
    )
    deliver_all()

    assert smtp.recorder.counts() == {}
    [body] = receiver.bodies()
    assert body["component_update"]["component_id"] == api.pk
    assert body["component_update"]["old_status"] == "operational"
    assert body["component_update"]["new_status"] == "degraded_performance"
    assert body["component"]["id"] == api.pk
    assert body["page"]["id"] == page.pk
