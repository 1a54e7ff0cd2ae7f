"""Provider bounce reports suppress addresses; operators see and resend deliveries in the admin."""

import base64
import json

import pytest
from django.utils import timezone

from events.models import OutboxEvent
from incidents import services as incidents
from subscribers import services
from subscribers.models import Delivery, DeliveryStatus, Heartbeat, SubscriberState
from tests.support.postmark import COMPLAINT, HARD_BOUNCE, SOFT_BOUNCE


@pytest.fixture
def tracking(client, settings):
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.postmark.EmailBackend"}}
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": "postmark:s3cret"}
    auth = "Basic " + base64.b64encode(b"postmark:s3cret").decode()

    def post(payload, authorization=auth):
        return client.post(
            "/anymail/postmark/tracking/",
            json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=authorization,
        )

    return post


def test_a_hard_bounce_and_a_complaint_reported_by_postmark_suppress_the_address(
    tracking, subscribe
):
    gone, angry, full = (
        subscribe("gone@example.org"),
        subscribe("angry@example.org"),
        subscribe("full@example.org"),
    )

    assert tracking(HARD_BOUNCE).status_code == 200
    assert tracking(COMPLAINT).status_code == 200
    assert tracking(SOFT_BOUNCE).status_code == 200

    for subscriber in (gone, angry, full):
        subscriber.refresh_from_db()
    assert gone.state == SubscriberState.SUPPRESSED
    assert "bounced" in gone.suppressed_reason
    assert angry.state == SubscriberState.SUPPRESSED
    assert full.state == SubscriberState.ACTIVE  # a full mailbox is the provider's to retry


def test_a_tracking_post_without_the_secret_changes_nothing(tracking, subscribe):
    gone = subscribe("gone@example.org")
    response = tracking(HARD_BOUNCE, authorization="Basic " + base64.b64encode(b"x:y").decode())
    assert response.status_code in (400, 401, 403)
    gone.refresh_from_db()
    assert gone.state == SubscriberState.ACTIVE


def test_operators_see_delivery_counts_and_errors_and_can_resend_failures(
    client, alice, page, subscribe
):
    ana, bo = subscribe("ana@example.org"), subscribe("bo@example.org")
    incidents.open_incident(page=page, name="Elevated API errors", body="Looking.", actor="t")
    event = OutboxEvent.objects.get(kind="incident.opened")
    services.fan_out(event_id=event.pk)
    Delivery.objects.filter(subscriber=ana).update(status=DeliveryStatus.SENT)
    Delivery.objects.filter(subscriber=bo).update(
        status=DeliveryStatus.FAILED, attempts=8, last_error="SMTP 451 mailbox busy"
    )
    client.force_login(alice)
    url = f"/admin/subscribers/notificationevent/{event.pk}/change/"

    page_html = client.get(url).content.decode()
    assert "SMTP 451 mailbox busy" in page_html
    assert "bo@example.org" in page_html
    assert "Resend the 1 failed delivery" in page_html

    client.post(url, {"resend": "1"})
    delivery = Delivery.objects.get(subscriber=bo)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0


def test_the_admin_warns_when_the_scheduler_or_worker_has_not_been_seen(client, alice, page):
    client.force_login(alice)
    assert b"has not run the notification sweeper recently" in client.get("/admin/").content

    for name in ("scheduler", "worker", "mail"):
        Heartbeat.objects.create(name=name, seen_at=timezone.now())
    assert b"has not run the notification sweeper recently" not in client.get("/admin/").content


def test_operators_add_a_subscriber_in_the_admin(client, alice, page, api):
    client.force_login(alice)
    response = client.post(
        "/admin/subscribers/subscriber/add/",
        {"page": page.pk, "channel": "email", "email": "ops@example.org", "components": [api.pk]},
    )
    assert response.status_code == 302
    subscriber = services.Subscriber.objects.get(email="ops@example.org")
    assert subscriber.state == SubscriberState.ACTIVE
    assert list(subscriber.components.all()) == [api]


def test_page_admins_manage_subscribers_and_see_deliveries(client, page, django_user_model):
    from pages.roles import assign_role

    bea = django_user_model.objects.create_user("bea", password="correct horse battery")
    assign_role(bea, "admin")
    client.force_login(bea)

    assert client.get("/admin/subscribers/subscriber/").status_code == 200
    assert client.get("/admin/subscribers/subscriber/import/").status_code == 200
    assert client.get("/admin/subscribers/notificationevent/").status_code == 200
