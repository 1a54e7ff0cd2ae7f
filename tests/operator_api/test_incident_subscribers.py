"""Operators add, list, confirm again and remove the subscribers of one incident."""

from incidents import services as incidents
from subscribers.models import Subscriber, SubscriberState
from tests.support.api_client import add_without_confirmation


def test_an_incident_subscriber_is_added_listed_and_removed(operator, base, page):
    incident = incidents.open_incident(page=page, name="Slow", body="Looking.", actor="tests")
    url = f"{base}/incidents/{incident.pk}/subscribers"

    added = operator.post(url, {"subscriber": {"email": "ana@example.com"}})
    assert added.status == 201, added.raw
    assert added.json["mode"] == "email"
    assert added.json["email"] == "ana@example.com"
    subscriber = Subscriber.objects.get(email="ana@example.com")
    assert subscriber.incident_id == incident.pk
    assert subscriber.state == SubscriberState.UNCONFIRMED

    assert [s["id"] for s in operator.get(url).json] == [subscriber.pk]
    assert operator.get(f"{url}/{subscriber.pk}").json["id"] == subscriber.pk
    # Incident subscribers are not page subscribers.
    assert operator.get(f"{base}/subscribers?state=all").json == []

    resent = operator.post(f"{url}/{subscriber.pk}/resend_confirmation")
    assert resent.status == 201, resent.raw

    removed = operator.delete(f"{url}/{subscriber.pk}")
    assert removed.status == 200
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED


def test_incident_subscriber_errors(operator, base, page):
    incident = incidents.open_incident(page=page, name="Slow", body="Looking.", actor="tests")
    url = f"{base}/incidents/{incident.pk}/subscribers"
    sms = operator.post(url, {"subscriber": {"phone_number": "5551234", "phone_country": "us"}})
    assert sms.status == 422
    assert "SMS" in sms.json["message"]
    assert operator.post(url, {"subscriber": {"email": "not-an-address"}}).status == 422
    assert operator.get(f"{base}/incidents/nope/subscribers").status == 404
    assert operator.get(f"{url}/nope").status == 404
    active = add_without_confirmation(operator, url, email="bo@example.com")
    assert active.status == 201
    again = operator.post(f"{url}/{active.json['id']}/resend_confirmation")
    assert again.status == 422
