"""SMS subscribers added by operators: the API's Statuspage fields (phone_number,
phone_country, skip_confirmation_notification) and the admin's add form."""

import pytest
from django.core.cache import cache

from subscribers.models import Subscriber, SubscriberState
from tests.subscribers.test_sms import NUMBER, send_owed_codes
from tests.support.api_client import add_without_confirmation


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


def test_the_api_adds_a_number_that_confirms_by_code_or_at_once_when_the_operator_vouches(
    operator, base, page, api, twilio
):
    pending = operator.post(
        f"{base}/subscribers",
        {"subscriber": {"phone_number": "4155550100", "phone_country": "US"}},
    )
    assert pending.status == 201, pending.raw
    assert pending.json["mode"] == "sms"
    assert pending.json["phone_number"] == NUMBER
    assert pending.json["phone_country"] == "US"
    assert pending.json["display_phone_number"] == "+1 415-555-0100"
    assert pending.json["email"] is None
    assert Subscriber.objects.get(pk=pending.json["id"]).state == SubscriberState.UNCONFIRMED
    send_owed_codes()
    assert len(twilio.texts_to(NUMBER)) == 1

    vouched = add_without_confirmation(
        operator, f"{base}/subscribers", phone_number="+14155550101", component_ids=[api.pk]
    )
    assert vouched.status == 201, vouched.raw
    assert vouched.json["components"] == [api.pk]
    assert Subscriber.objects.get(pk=vouched.json["id"]).state == SubscriberState.ACTIVE
    listed = operator.get(f"{base}/subscribers?type=sms").json
    assert [s["phone_number"] for s in listed] == ["+14155550101"]
    assert [s["id"] for s in operator.get(f"{base}/subscribers?q=555").json] == [vouched.json["id"]]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone_number": "+19005550100"}, "phone_number: +19005550100 is a premium-rate number"),
        ({"phone_number": "555-1234", "phone_country": "US"}, "phone_number: "),
        ({"phone_number": "4155550100"}, "phone_number: Start the number with +"),
        ({"phone_number": "4155550100", "phone_country": "ZZ"}, "phone_country: ZZ is not"),
        ({"phone_country": "US"}, "phone_number: give the number"),
        ({"phone_number": ["+14155550100"]}, "phone_number: must be a string"),
    ],
)
def test_the_api_refuses_bad_numbers_with_a_422_that_says_why(
    operator, base, twilio, fields, message
):
    reply = operator.post(f"{base}/subscribers", {"subscriber": fields})
    assert reply.status == 422, reply.raw
    assert reply.json["message"].startswith(message), reply.json
    assert reply.json["error"] == reply.json["message"]
    assert not Subscriber.objects.exists()


def test_the_api_says_when_sms_is_not_configured(operator, base, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    reply = operator.post(f"{base}/subscribers", {"subscriber": {"phone_number": NUMBER}})
    assert reply.status == 422
    assert "TWILIO_ACCOUNT_SID" in reply.json["message"]


def test_an_operator_adds_a_number_in_the_admin_and_it_gets_a_code(
    client, alice, page, api, twilio
):
    client.force_login(alice)
    response = client.post(
        "/admin/subscribers/subscriber/add/",
        {
            "page": page.pk,
            "channel": "sms",
            "phone_number": "(415) 555-0100",
            "phone_country": "US",
        },
    )
    assert response.status_code == 302
    subscriber = Subscriber.objects.get(phone_number=NUMBER)
    assert subscriber.state == SubscriberState.UNCONFIRMED
    send_owed_codes()
    assert len(twilio.texts_to(NUMBER)) == 1

    found = client.get("/admin/subscribers/subscriber/?q=555")
    assert NUMBER.encode() in found.content


def test_the_admin_form_refuses_a_premium_rate_number(client, alice, page, twilio):
    client.force_login(alice)
    response = client.post(
        "/admin/subscribers/subscriber/add/",
        {"page": page.pk, "channel": "sms", "phone_number": "+1 900 555 0100"},
    )
    assert response.status_code == 200
    assert b"is a premium-rate number" in response.content
    assert not Subscriber.objects.exists()
