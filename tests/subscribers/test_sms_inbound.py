"""Twilio's inbound webhook: STOP, START and HELP texted to Beacon's number, signed by Twilio.

Requests are signed here as Twilio signs them (tests/support/twilio.py); a forged one is refused.
"""

import pytest
from django.core.cache import cache

from subscribers import services
from subscribers.models import Subscriber, SubscriberState
from subscribers.sms import services as sms
from subscribers.sms.inbound import signature
from tests.support.twilio import inbound_params, twilio_signature

NUMBER = "+14155550100"
URL = "http://testserver/sms/twilio/inbound"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


def text_in(client, body: str, sender: str = NUMBER, *, forged: bool = False, **extra: str):
    params = inbound_params(sender, body, **extra)
    sign = twilio_signature(URL, params, token="not-the-token" if forged else _token())
    return client.post("/sms/twilio/inbound", params, headers={"X-Twilio-Signature": sign})


def _token() -> str:
    from django.conf import settings

    return settings.TWILIO_AUTH_TOKEN


def numbered(page, number: str = NUMBER) -> Subscriber:
    return sms.subscribe_sms(page=page, phone_number=number, skip_confirmation=True, actor="tests")


def test_stop_unsubscribes_the_number_from_every_page_and_answers_empty_twiml(
    client, page, other_page, twilio
):
    here, there = numbered(page), numbered(other_page)
    someone_else = numbered(page, "+14155550101")

    answer = text_in(client, "Stop")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/xml")
    assert answer.content == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    for subscriber in (here, there):
        subscriber.refresh_from_db()
        assert subscriber.state == SubscriberState.UNSUBSCRIBED
        assert subscriber.suppressed_reason == sms.STOP_REASON
    someone_else.refresh_from_db()
    assert someone_else.state == SubscriberState.ACTIVE
    assert twilio.requests == []  # Twilio itself confirms a STOP to the number


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", " cancel ", "END", "quit."])
def test_every_opt_out_keyword_unsubscribes(client, page, twilio, word):
    subscriber = numbered(page)
    text_in(client, word)
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED


def test_a_forged_request_is_refused_and_changes_nothing(client, page, twilio):
    subscriber = numbered(page)
    forged = text_in(client, "STOP", forged=True)
    unsigned = client.post("/sms/twilio/inbound", inbound_params(NUMBER, "STOP"))
    params = inbound_params(NUMBER, "HELLO")
    sign = twilio_signature(URL, params, _token())
    params["Body"] = "STOP"  # the body changed after signing
    tampered = client.post("/sms/twilio/inbound", params, headers={"X-Twilio-Signature": sign})

    assert forged.status_code == unsigned.status_code == tampered.status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_start_brings_back_what_stop_unsubscribed_and_not_what_a_link_did(
    client, page, other_page, twilio
):
    by_stop = numbered(page)
    by_link = numbered(other_page)
    services.unsubscribe(subscriber=by_link, actor="subscriber")
    text_in(client, "STOP")

    text_in(client, "start")

    by_stop.refresh_from_db()
    by_link.refresh_from_db()
    assert by_stop.state == SubscriberState.ACTIVE
    assert by_stop.suppressed_reason == ""
    assert by_link.state == SubscriberState.UNSUBSCRIBED


def test_start_lifts_a_suppression_from_twilios_unsubscribed_recipient_error(client, page, twilio):
    subscriber = numbered(page)
    services.suppress(
        subscriber=subscriber,
        reason="Twilio 21610: Attempt to send to unsubscribed recipient",
        actor="tests",
    )
    bounced = numbered(page, "+14155550101")
    services.suppress(subscriber=bounced, reason="Twilio 21211: invalid", actor="tests")

    text_in(client, "UNSTOP")
    text_in(client, "YES", sender="+14155550101")

    subscriber.refresh_from_db()
    bounced.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE
    assert bounced.state == SubscriberState.SUPPRESSED


def test_a_number_that_stopped_before_entering_its_code_is_pending_again_after_start(
    client, page, twilio
):
    page.allow_sms_subscribers = True
    page.save()
    pending = sms.subscribe_sms(page=page, phone_number=NUMBER, actor="tests")
    text_in(client, "STOP")
    text_in(client, "START")
    pending.refresh_from_db()
    assert pending.state == SubscriberState.UNCONFIRMED


def test_help_is_answered_with_the_pages_and_the_keywords(client, page, other_page, twilio):
    numbered(page)
    numbered(other_page)
    answer = text_in(client, "help")
    assert answer.status_code == 200
    assert b"<Message>Status alerts from Example Status, Other." in answer.content
    assert b"Reply STOP to unsubscribe, START to resubscribe." in answer.content
    assert b"Msg&amp;data rates may apply" in answer.content  # escaped in the XML


def test_advanced_opt_out_tells_which_keyword_it_matched(client, page, twilio):
    subscriber = numbered(page)
    text_in(client, "Arrêt", OptOutType="STOP")
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED


@pytest.mark.parametrize(
    ("sender", "body"),
    [(NUMBER, "Thanks!"), ("", "STOP"), ("ACME", "STOP"), ("+1" + "9" * 30, "STOP"), (NUMBER, "")],
)
def test_other_texts_and_odd_senders_get_empty_twiml_and_change_nothing(
    client, page, twilio, sender, body
):
    subscriber = numbered(page)
    answer = text_in(client, body, sender=sender)
    assert answer.status_code == 200
    assert b"<Message>" not in answer.content
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_the_webhook_takes_only_signed_posts_and_only_once_twilio_is_configured(
    client, page, settings, twilio
):
    assert client.get("/sms/twilio/inbound").status_code == 405
    junk = client.post("/sms/twilio/inbound", b"\xff\xfe%%%", content_type="text/plain")
    assert junk.status_code == 403
    settings.TWILIO_AUTH_TOKEN = ""
    assert text_in(client, "STOP").status_code == 404


def test_the_signature_matches_twilios_documented_example():
    # Twilio's own example (its security docs): this URL, these parameters, this token.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    token = "12345"
    assert signature(token, url, list(params.items())) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_the_url_twilio_signed_may_be_set_when_a_proxy_rewrites_it(client, page, settings, twilio):
    subscriber = numbered(page)
    settings.TWILIO_INBOUND_URL = "https://status.example.com/sms/twilio/inbound"
    params = inbound_params(NUMBER, "STOP")
    sign = twilio_signature(settings.TWILIO_INBOUND_URL, params, _token())
    answer = client.post("/sms/twilio/inbound", params, headers={"X-Twilio-Signature": sign})
    assert answer.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED


def test_a_signature_over_the_url_with_its_default_port_is_accepted(client, page, twilio):
    subscriber = numbered(page)
    params = inbound_params(NUMBER, "STOP")
    sign = twilio_signature("http://testserver:80/sms/twilio/inbound", params, _token())
    answer = client.post("/sms/twilio/inbound", params, headers={"X-Twilio-Signature": sign})
    assert answer.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNSUBSCRIBED


# Status reports (StatusCallback) ----------------------------------------------------------


def report(client, subscriber, status: str, error: str = "", *, to: str = NUMBER, url: str = ""):
    from subscribers.sms.transport import callback_url

    url = url or callback_url(subscriber)
    params = {
        "MessageSid": "SM" + "0" * 32,
        "AccountSid": "AC" + "0" * 32,
        "To": to,
        "MessageStatus": status,
        **({"ErrorCode": error} if error else {}),
    }
    # Signed for the URL Beacon gave Twilio, whatever host and scheme the request arrives with
    # (a proxy in front may change both).
    path = url.removeprefix("https://status.example.com")
    sign = twilio_signature(url, params, _token())
    return client.post(path, params, headers={"X-Twilio-Signature": sign})


def test_every_text_asks_twilio_for_a_status_report_on_the_subscribers_page(page, api, twilio):
    from tests.support.delivery import deliver_all
    from tests.support.scenes import open_api_incident

    subscriber = numbered(page)
    open_api_incident(page, api)
    deliver_all()
    [request] = twilio.requests
    assert request["form"]["StatusCallback"] == (
        f"https://status.example.com/sms/twilio/status?subscriber={subscriber.pk}"
    )


@pytest.mark.parametrize("error", ["30005", "30006"])
def test_a_report_that_the_number_is_unknown_or_a_landline_suppresses_it(
    client, page, twilio, error
):
    subscriber = numbered(page)
    answer = report(client, subscriber, "undelivered", error)
    assert answer.status_code == 204
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.SUPPRESSED
    assert subscriber.suppressed_reason.startswith(f"Twilio {error}: ")


def test_other_reports_and_forged_ones_change_nothing(client, page, twilio):
    subscriber = numbered(page)
    assert report(client, subscriber, "delivered").status_code == 204
    assert report(client, subscriber, "undelivered", "30003").status_code == 204
    assert report(client, subscriber, "undelivered", "30006", to="+14155550101").status_code == 204
    other_url = "https://status.example.com/sms/twilio/status?subscriber=somebodyelse"
    forged = report(client, subscriber, "undelivered", "30006", url=other_url)
    assert forged.status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE
