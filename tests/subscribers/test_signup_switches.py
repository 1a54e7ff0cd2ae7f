# mypy: disable-error-code="union-attr"
"""The page's subscription switches govern visitors' self-service sign-up: off, the public page
drops its Subscribe link (in the published snapshot too) and the forms refuse; those who
subscribed earlier keep hearing the news, and operators can still add people by hand."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError

from components.models import ComponentStatus
from incidents import services as incidents
from pages.services import save_page
from snapshots import publisher, store
from subscribers import services, tasks
from subscribers.models import Channel, Delivery, DeliveryStatus, Subscriber
from tests.support.delivery import deliver_all
from tests.support.scenes import post_identified

SWITCHES = [
    "allow_page_subscribers",
    "allow_email_subscribers",
    "allow_webhook_subscribers",
    "allow_incident_subscribers",
]


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    cache.clear()


def switch(page, **values: bool) -> None:
    for name, value in values.items():
        setattr(page, name, value)
    save_page(page=page, actor="tests")


def published_home(page) -> str:
    publisher.publish()
    snapshot = store.read(page.pk, "/")
    assert snapshot is not None
    return snapshot.body.decode()


def test_every_switch_is_on_for_a_new_page_and_the_published_page_links_to_the_form(client, page):
    assert all(getattr(page, name) is True for name in SWITCHES)
    assert 'href="/subscribe"' in published_home(page)
    assert b'href="/subscribe"' in client.get("/").content
    form = client.get("/subscribe")
    assert form.status_code == 200
    assert b'href="/subscribe/webhook"' in form.content
    assert client.get("/subscribe/webhook").status_code == 200


def test_with_page_subscribers_off_the_published_page_has_no_subscribe_link(client, page):
    assert "Subscribe to updates" in published_home(page)

    switch(page, allow_page_subscribers=False)
    html = published_home(page)  # the publisher handled the page.changed event

    assert "Subscribe" not in html
    assert "/subscribe" not in html
    assert b"/subscribe" not in client.get("/").content


def test_with_page_subscribers_off_both_forms_refuse_sign_ups(client, page, api):
    switch(page, allow_page_subscribers=False)

    for path in ["/subscribe", "/subscribe/webhook"]:
        shown = client.get(path)
        assert shown.status_code == 404, path
        assert b"Example Status does not offer subscriptions." in shown.content
        assert b"<form" not in shown.content
    email = client.post("/subscribe", {"email": "ana@example.org"})
    hook = client.post("/subscribe/webhook", {"endpoint": "https://hooks.example.org/status"})

    assert email.status_code == 404 and hook.status_code == 404
    assert b"does not offer subscriptions" in email.content
    assert not Subscriber.objects.exists()
    assert not mail.outbox


def test_with_email_subscribers_off_the_page_offers_the_webhook_only(client, page):
    switch(page, allow_email_subscribers=False)

    html = published_home(page)
    assert 'href="/subscribe"' not in html
    assert 'href="/subscribe/webhook"' in html
    refused = client.post("/subscribe", {"email": "ana@example.org"})
    assert refused.status_code == 404
    assert b"Example Status does not offer email subscriptions." in refused.content
    assert b'href="/subscribe/webhook"' in refused.content
    assert not Subscriber.objects.exists()

    added = client.post("/subscribe/webhook", {"endpoint": "https://hooks.example.org/status"})
    assert added.status_code == 200, added.content.decode()[:2000]
    assert Subscriber.objects.get().channel == Channel.WEBHOOK


def test_with_webhook_subscribers_off_the_page_offers_email_only(client, page):
    switch(page, allow_webhook_subscribers=False)

    assert 'href="/subscribe"' in published_home(page)
    form = client.get("/subscribe")
    assert form.status_code == 200
    assert b"/subscribe/webhook" not in form.content
    refused = client.post("/subscribe/webhook", {"endpoint": "https://hooks.example.org/status"})
    assert refused.status_code == 404
    assert b"Example Status does not offer webhook subscriptions." in refused.content
    assert not Subscriber.objects.exists()

    asked = client.post("/subscribe", {"email": "ana@example.org"})
    assert asked.status_code == 200
    assert b"Check your inbox" in asked.content
    assert Subscriber.objects.get().channel == Channel.EMAIL


def test_with_email_and_webhook_off_the_page_has_no_subscribe_link(page):
    switch(page, allow_email_subscribers=False, allow_webhook_subscribers=False)
    assert "/subscribe" not in published_home(page)


def test_switched_on_again_sign_up_works_and_the_link_is_back(client, page):
    switch(page, allow_page_subscribers=False)
    assert "/subscribe" not in published_home(page)

    switch(page, allow_page_subscribers=True)

    assert 'href="/subscribe"' in published_home(page)
    assert client.post("/subscribe", {"email": "ana@example.org"}).status_code == 200
    assert Subscriber.objects.filter(email="ana@example.org").exists()


def test_operators_can_still_add_subscribers_with_every_switch_off(page):
    switch(page, **dict.fromkeys(SWITCHES, False))
    added = services.add_email_subscriber(
        page=page, email="ana@example.org", skip_confirmation=True, actor="tests"
    )
    hook = services.add_webhook_subscriber(
        page=page, endpoint="https://hooks.example.org/status", actor="tests"
    )
    saved = Subscriber.objects.filter(page=page).order_by("channel")
    assert [(s.pk, s.channel, s.email, s.endpoint, s.state) for s in saved] == [
        (added.pk, Channel.EMAIL, "ana@example.org", "", "active"),
        (hook.pk, Channel.WEBHOOK, "", "https://hooks.example.org/status", "unconfirmed"),
    ]
    assert all(s.all_components and s.incident_id is None for s in saved)


def test_with_incident_subscribers_off_a_new_incident_subscriber_is_refused(page):
    incident = incidents.open_incident(page=page, name="Slow", body="Looking.", actor="tests")
    switch(page, allow_incident_subscribers=False)

    with pytest.raises(ValidationError, match="does not take incident subscribers"):
        services.add_incident_subscriber(incident=incident, email="bo@example.org", actor="tests")
    assert not Subscriber.objects.exists()


def test_existing_subscribers_keep_getting_notifications_with_every_switch_off(
    smtp, receiver, page, api
):
    reader = services.add_email_subscriber(
        page=page, email="ana@example.org", skip_confirmation=True, actor="tests"
    )
    hook = services.add_webhook_subscriber(page=page, endpoint=receiver.url, actor="tests")
    services.confirm_subscriber(subscriber=hook, actor="tests")
    incident = incidents.open_incident(page=page, name="Slow API", body="Looking.", actor="tests")
    follower = services.add_incident_subscriber(
        incident=incident, email="bo@example.org", skip_confirmation=True, actor="tests"
    )
    deliver_all()
    heard_before = {
        a: len(smtp.recorder.messages_to(a)) for a in ["ana@example.org", "bo@example.org"]
    }

    switch(page, **dict.fromkeys(SWITCHES, False))
    post_identified(incident, "Found it.", component_statuses={api: ComponentStatus.PARTIAL_OUTAGE})
    deliver_all()

    for subscriber in [reader, hook, follower]:
        sent = Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.SENT)
        assert sent.filter(event__kind="incident.updated").exists(), subscriber
    for address, count in heard_before.items():
        assert len(smtp.recorder.messages_to(address)) == count + 1, address


def test_a_sign_up_made_before_the_switch_can_still_be_confirmed(client, page):
    assert client.post("/subscribe", {"email": "ana@example.org"}).status_code == 200
    pending = Subscriber.objects.get()
    for pk in Subscriber.objects.filter(confirmation_due=True).values_list("pk", flat=True):
        tasks.send_confirmation(pk)
    [message] = mail.outbox
    link = next(line for line in message.body.splitlines() if line.startswith("Confirm: "))

    switch(page, allow_page_subscribers=False)
    confirmed = client.get(link.removeprefix("Confirm: https://status.example.com"))

    assert b"Subscription confirmed" in confirmed.content
    pending.refresh_from_db()
    assert pending.state == "active"
