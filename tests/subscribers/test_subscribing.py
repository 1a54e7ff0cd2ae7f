"""Subscribing from the public page: double opt-in, abuse limits, manage and unsubscribe links."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from subscribers import services, tasks
from subscribers.models import Subscriber, SubscriberState
from subscribers.tokens import manage_token


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    cache.clear()


def send_owed_confirmations() -> None:
    for pk in Subscriber.objects.filter(confirmation_due=True).values_list("pk", flat=True):
        tasks.send_confirmation(pk)


def confirm_link(message) -> str:
    line = next(line for line in message.body.splitlines() if line.startswith("Confirm: "))
    return line.removeprefix("Confirm: ").removeprefix("https://status.example.com")


def test_the_status_page_links_to_the_subscribe_form_and_sets_no_cookie(client, page):
    response = client.get("/")
    assert b'href="/subscribe"' in response.content
    assert not response.cookies


def test_subscribing_sends_one_confirmation_and_confirming_makes_it_active(client, page, api):
    response = client.post("/subscribe", {"email": "Ana@Example.ORG", "components": [api.pk]})
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    send_owed_confirmations()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Ana@example.org"]
    subscriber = Subscriber.objects.get()
    assert subscriber.state == SubscriberState.UNCONFIRMED

    confirmed = client.get(confirm_link(mail.outbox[0]))
    assert b"Subscription confirmed" in confirmed.content
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE
    assert list(subscriber.components.all()) == [api]
    assert subscriber.all_components is False


def test_a_flood_of_requests_for_one_address_sends_one_confirmation(page, settings):
    settings.SUBSCRIBE_LIMIT_PER_IP = 1000
    client = Client()
    for _ in range(30):
        client.post("/subscribe", {"email": "victim@example.org"})
    send_owed_confirmations()

    assert len(mail.outbox) == 1


def test_one_address_cannot_post_more_than_the_hourly_limit(page, settings):
    settings.SUBSCRIBE_LIMIT_PER_IP = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    answers = [
        client.post("/subscribe", {"email": f"u{n}@example.org"}).status_code for n in range(5)
    ]
    assert answers == [200, 200, 200, 429, 429]


def test_the_honeypot_quietly_subscribes_nobody(client, page):
    response = client.post("/subscribe", {"email": "bot@example.org", "website": "http://spam"})
    assert response.status_code == 200
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(
    "address",
    [
        "",
        "not-an-address",
        "Ana <ana@example.org>",
        "a@b",
        "ana@[127.0.0.1]",
        "a..b@example.org",
        "x" * 250 + "@example.org",
    ],
)
def test_bad_addresses_are_refused_with_a_message(client, page, address):
    response = client.post("/subscribe", {"email": address})
    assert response.status_code == 400
    assert b"email address" in response.content
    assert not Subscriber.objects.exists()


def test_a_component_of_another_page_or_garbage_is_a_form_error(client, page):
    response = client.post("/subscribe", {"email": "ana@example.org", "components": ["nope"]})
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


def test_the_manage_link_changes_components_and_an_empty_choice_means_everything(
    client, page, api, dashboard
):
    subscriber = services.add_email_subscriber(
        page=page, email="ana@example.org", actor="tests", skip_confirmation=True
    )
    url = f"/subscriptions/{manage_token(subscriber)}"

    client.post(url, {"components": [dashboard.pk]})
    subscriber.refresh_from_db()
    assert list(subscriber.components.all()) == [dashboard]
    assert not subscriber.all_components

    client.post(url, {})
    subscriber.refresh_from_db()
    assert subscriber.all_components


def test_one_click_unsubscribe_works_and_is_idempotent(client, page):
    subscriber = services.add_email_subscriber(
        page=page, email="ana@example.org", actor="tests", skip_confirmation=True
    )
    url = f"/subscriptions/{manage_token(subscriber)}/unsubscribe"

    # A mail scanner following the link changes nothing.
    client.get(url)
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE

    for _ in range(2):
        response = client.post(url, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED


def test_a_forged_or_tampered_link_is_a_clear_400(client, page):
    subscriber = services.add_email_subscriber(
        page=page, email="ana@example.org", actor="tests", skip_confirmation=True
    )
    token = manage_token(subscriber)
    for url in [
        "/subscriptions/garbage",
        f"/subscriptions/{token[:-2]}xx/unsubscribe",
        f"/subscriptions/confirm/{token}",
    ]:
        response = client.post(url) if "unsubscribe" in url else client.get(url)
        assert response.status_code == 400, url
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_a_webhook_subscription_from_the_public_form_refuses_loopback(client, page):
    response = client.post("/subscribe/webhook", {"endpoint": "http://127.0.0.1:8000/hook"})
    assert response.status_code == 400
    assert b"private, loopback" in response.content


def test_operators_import_subscribers_from_csv_keeping_the_good_rows(page, api):
    result = services.import_subscribers(
        page=page,
        csv_text="email,components\nana@example.org,API\nnot an address,\nbo@example.org,\n"
        "cy@example.org,Nonexistent\n",
        actor="tests",
    )
    assert result.added == 2
    assert len(result.errors) == 2
    ana = Subscriber.objects.get(email="ana@example.org")
    assert ana.state == SubscriberState.ACTIVE
    assert list(ana.components.all()) == [api]
