"""Operators' scripts add, list, rescope and remove subscribers through the API."""

from subscribers.models import Subscriber, SubscriberState
from tests.support.api_client import add_without_confirmation


def test_an_email_subscriber_added_without_confirmation_is_active(operator, base, api, website):
    reply = add_without_confirmation(
        operator, f"{base}/subscribers", email="ana@example.com", component_ids=[api.pk]
    )
    assert reply.status == 201, reply.raw
    assert reply.json["mode"] == "email"
    assert reply.json["email"] == "ana@example.com"
    assert reply.json["components"] == [api.pk]
    subscriber = Subscriber.objects.get(email="ana@example.com")
    assert subscriber.state == SubscriberState.ACTIVE

    listed = operator.get(f"{base}/subscribers")
    assert [s["id"] for s in listed.json] == [subscriber.pk]
    assert operator.get(f"{base}/subscribers?page=1").json == []

    rescoped = operator.patch(
        f"{base}/subscribers/{subscriber.pk}", {"component_ids": [website.pk]}
    )
    assert rescoped.status == 200
    assert rescoped.json["components"] == [website.pk]

    removed = operator.delete(f"{base}/subscribers/{subscriber.pk}")
    assert removed.status == 200
    assert removed.json["id"] == subscriber.pk
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED
    assert operator.get(f"{base}/subscribers").json == []


def test_a_subscriber_who_must_confirm_is_listed_as_unconfirmed(operator, base):
    reply = operator.post(f"{base}/subscribers", {"subscriber": {"email": "bo@example.com"}})
    assert reply.status == 201
    assert operator.get(f"{base}/subscribers").json == []
    unconfirmed = operator.get(f"{base}/subscribers?state=unconfirmed").json
    assert [s["email"] for s in unconfirmed] == ["bo@example.com"]


def test_bad_subscriber_input_is_refused(operator, base, page):
    bad_email = operator.post(f"{base}/subscribers", {"subscriber": {"email": "not-an-address"}})
    assert bad_email.status == 422
    sms = operator.post(
        f"{base}/subscribers", {"subscriber": {"phone_number": "5551234", "phone_country": "us"}}
    )
    assert sms.status == 422
    assert "SMS" in sms.json["message"]
    empty_scope = operator.post(
        f"{base}/subscribers", {"subscriber": {"email": "c@example.com", "component_ids": []}}
    )
    assert empty_scope.status == 422
    assert operator.get(f"{base}/subscribers?state=sleeping").status == 400
    assert not Subscriber.objects.exists()
