"""SMS subscribers through Twilio: sign-up with a texted code, short alerts in at most two
segments, Twilio's answers (retries, suppression), the daily cap, and the operator's API.

Twilio is a real local HTTP server (tests/support/twilio.py) answering as the Messages API does.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from components.models import ComponentStatus
from subscribers import tasks
from subscribers.models import Channel, Delivery, DeliveryStatus, Subscriber, SubscriberState
from subscribers.sms import services as sms
from subscribers.sms.text import fit, segments
from tests.support.delivery import deliver_all
from tests.support.scenes import open_api_incident, past_incident, post_identified
from tests.support.twilio import SENDER, SID, TOKEN

NUMBER = "+14155550100"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


@pytest.fixture
def sms_page(page):
    page.allow_sms_subscribers = True
    page.save()
    return page


def send_owed_codes() -> None:
    for pk in Subscriber.objects.filter(confirmation_due=True).values_list("pk", flat=True):
        tasks.send_confirmation(pk)


def verified(page, number: str = NUMBER, components=None) -> Subscriber:
    return sms.subscribe_sms(
        page=page,
        phone_number=number,
        components=components,
        skip_confirmation=True,
        actor="tests",
    )


# Sign-up and the code ---------------------------------------------------------------------


def test_signing_up_texts_a_code_and_entering_it_makes_the_number_active(
    client, sms_page, api, twilio
):
    form = client.get("/subscribe/sms")
    assert form.status_code == 200
    assert b"Mobile number" in form.content

    answer = client.post(
        "/subscribe/sms",
        {"phone_number": "(415) 555-0100", "phone_country": "us", "components": [api.pk]},
    )
    assert answer.status_code == 200
    assert b"Enter the code we texted you" in answer.content
    send_owed_codes()

    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["auth"] == f"{SID}:{TOKEN}"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["form"]["To"] == NUMBER
    assert request["form"]["From"] == SENDER
    body = request["form"]["Body"]
    assert "Example Status" in body
    assert "https://status.example.com/subscribe/sms/verify" in body
    assert "Reply STOP to unsubscribe" in body
    assert segments(body) <= 2
    code = twilio.code_for(NUMBER)
    subscriber = Subscriber.objects.get(channel=Channel.SMS)
    assert subscriber.phone_number == NUMBER
    assert subscriber.phone_country == "US"
    assert subscriber.state == SubscriberState.UNCONFIRMED
    assert code not in subscriber.code_digest  # only a digest is kept

    wrong = client.post(
        "/subscribe/sms/verify",
        {"phone_number": NUMBER, "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 400
    assert b"That code is not right" in wrong.content

    right = client.post(
        "/subscribe/sms/verify",
        {"phone_number": "415 555 0100", "phone_country": "US", "code": code},
    )
    assert right.status_code == 200, right.content
    assert b"Number confirmed" in right.content
    assert not right.cookies
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE
    assert list(subscriber.components.all()) == [api]


def test_sign_up_is_a_404_until_the_page_offers_it_and_twilio_is_configured(
    client, page, twilio, settings
):
    assert client.get("/subscribe/sms").status_code == 404  # the page's switch is off
    page.allow_sms_subscribers = True
    page.save()
    assert client.get("/subscribe/sms").status_code == 200
    settings.TWILIO_AUTH_TOKEN = ""
    missing = client.post("/subscribe/sms", {"phone_number": NUMBER})
    assert missing.status_code == 404
    assert b"does not offer text message" in missing.content
    assert twilio.requests == []


def test_the_subscribe_page_links_to_sms_only_when_offered_and_configured(
    client, page, twilio, settings
):
    link = b'href="/subscribe/sms"'
    assert link not in client.get("/subscribe").content  # the page's switch is off
    page.allow_sms_subscribers = True
    page.save()
    assert link in client.get("/subscribe").content
    settings.TWILIO_FROM = ""
    assert link not in client.get("/subscribe").content


@pytest.mark.parametrize(
    ("number", "country", "error"),
    [
        ("+1 900 555 0100", "", b"is a premium-rate number"),
        ("+44 871 234 5678", "", b"is a premium-rate number"),
        ("12345", "", b"Start the number with +"),
        ("not a number", "US", b"This is not a phone number"),
        ("+1 415 555 01", "", b"is not a valid phone number"),
        ("4155550100", "USA", b"two letters"),
    ],
)
def test_numbers_that_cannot_take_a_text_are_refused_with_a_clear_error(
    client, sms_page, twilio, number, country, error
):
    answer = client.post("/subscribe/sms", {"phone_number": number, "phone_country": country})
    assert answer.status_code == 400
    assert error in answer.content
    assert not Subscriber.objects.exists()
    assert twilio.requests == []


def test_a_code_expires_and_a_new_one_can_be_asked_for(client, sms_page, twilio):
    client.post("/subscribe/sms", {"phone_number": NUMBER})
    send_owed_codes()
    old = twilio.code_for(NUMBER)
    Subscriber.objects.update(
        code_sent_at=timezone.now() - sms.CODE_TTL - timedelta(seconds=1),
        confirmation_sent_at=timezone.now() - timedelta(minutes=11),
    )

    expired = client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "code": old})
    assert expired.status_code == 400
    assert b"That code has expired" in expired.content

    resent = client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "resend": "1"})
    assert resent.status_code == 200
    assert b"a new one is on its way" in resent.content
    send_owed_codes()
    assert len(twilio.texts_to(NUMBER)) == 2
    new = twilio.code_for(NUMBER)
    if new != old:
        stale = client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "code": old})
        assert stale.status_code == 400
    confirmed = client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "code": new})
    assert confirmed.status_code == 200
    assert Subscriber.objects.get().state == SubscriberState.ACTIVE


def test_five_wrong_codes_lock_the_code_until_a_new_one_is_sent(client, sms_page, twilio):
    client.post("/subscribe/sms", {"phone_number": NUMBER})
    send_owed_codes()
    code = twilio.code_for(NUMBER)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(sms.CODE_MAX_ATTEMPTS - 1):
        answer = client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "code": wrong})
        assert b"That code is not right" in answer.content
    last = client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "code": wrong})
    assert b"Too many wrong codes" in last.content

    right_too_late = client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "code": code})
    assert right_too_late.status_code == 400
    assert b"Too many wrong codes" in right_too_late.content
    assert Subscriber.objects.get().state == SubscriberState.UNCONFIRMED


def test_a_flood_of_sign_ups_for_one_number_sends_one_code_and_at_most_five_a_day(
    client, sms_page, twilio, settings
):
    settings.SUBSCRIBE_LIMIT_PER_IP = 1000
    for _ in range(10):
        client.post("/subscribe/sms", {"phone_number": NUMBER})
    send_owed_codes()
    assert len(twilio.texts_to(NUMBER)) == 1

    for _ in range(10):  # each a minute after the last
        Subscriber.objects.update(confirmation_sent_at=timezone.now() - timedelta(minutes=2))
        client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "resend": "1"})
        send_owed_codes()
    assert len(twilio.texts_to(NUMBER)) == sms.CODES_PER_DAY


def test_the_code_page_says_the_same_for_a_number_nobody_signed_up(client, sms_page, twilio):
    answer = client.post(
        "/subscribe/sms/verify", {"phone_number": "+14155550123", "code": "123456"}
    )
    assert answer.status_code == 400
    assert b"That code is not right" in answer.content
    resend = client.post("/subscribe/sms/verify", {"phone_number": "+14155550123", "resend": "1"})
    assert resend.status_code == 200
    assert twilio.requests == []


def test_a_number_twilio_calls_invalid_while_sending_the_code_is_suppressed(
    client, sms_page, twilio
):
    twilio.numbers[NUMBER] = 21211
    client.post("/subscribe/sms", {"phone_number": NUMBER})
    send_owed_codes()
    subscriber = Subscriber.objects.get()
    assert subscriber.state == SubscriberState.SUPPRESSED
    assert subscriber.suppressed_reason.startswith("Twilio 21211")


def test_a_code_twilio_could_not_take_is_owed_and_sent_again(client, sms_page, twilio):
    twilio.script = [500, "ok"]
    client.post("/subscribe/sms", {"phone_number": NUMBER})
    send_owed_codes()
    assert Subscriber.objects.get().confirmation_due
    send_owed_codes()  # as the sweeper does
    assert len(twilio.texts_to(NUMBER)) == 2
    assert not Subscriber.objects.get().confirmation_due


# Alerts -----------------------------------------------------------------------------------


def test_an_incident_reaches_the_number_once_in_a_short_text(page, api, twilio):
    verified(page)
    incident = open_api_incident(page, api)
    deliver_all()
    deliver_all()

    [text] = twilio.texts_to(NUMBER)
    assert text.startswith("Example Status: Partial outage - Elevated API errors\n")
    assert f"https://status.example.com/incidents/{incident.pk}" in text
    assert "Reply STOP to unsubscribe" in text
    assert "**" not in text and "investigating" not in text  # title, status and link only
    assert segments(text) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_long_title_is_shortened_to_fit_two_segments_and_the_link_is_kept(page, api, twilio):
    verified(page)
    title = "Elevated error rates and timeouts “for some customers” \u2013 " + "very long " * 40
    incident = open_api_incident(page, api, name=title[:250])
    deliver_all()

    [text] = twilio.texts_to(NUMBER)
    assert segments(text) == 2
    assert text.rstrip().endswith("Reply STOP to unsubscribe")
    assert f"https://status.example.com/incidents/{incident.pk}" in text
    assert '"for some customers" -' in text  # typographic marks made GSM-7
    assert "..." in text


def test_a_title_outside_gsm_7_still_fits_two_ucs2_segments():
    render = lambda title: f"Example Status: Major outage - {title}\nhttps://x.example/i/1"  # noqa: E731
    title = fit(render, "Paiement indisponible 💳 " * 10)
    assert title is not None
    assert segments(render(title)) == 2
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("€" * 80) == 1  # two septets each
    assert segments("é" * 160) == 1  # in GSM-7's basic set
    assert segments("ł" * 70) == 1
    assert segments("ł" * 71) == 2


def test_sms_subscribers_follow_components_quiet_updates_and_hear_no_component_events(
    page, api, dashboard, twilio
):
    from components import services as components

    verified(page, NUMBER, components=[dashboard])
    whole = "+14155550101"
    verified(page, whole)
    incident = open_api_incident(page, api)  # touches the API only
    post_identified(incident, "Quiet fix.", deliver_notifications=False)
    components.set_component_statuses(
        page=page, statuses={dashboard: ComponentStatus.MAJOR_OUTAGE}, actor="tests"
    )
    deliver_all()

    assert twilio.texts_to(NUMBER) == []
    assert len(twilio.texts_to(whole)) == 1  # the opening only


def test_a_messaging_service_sends_as_messaging_service_sid(page, api, twilio, settings):
    settings.TWILIO_FROM = "MG" + "f" * 32
    verified(page)
    open_api_incident(page, api)
    deliver_all()
    [request] = twilio.requests
    assert request["form"]["MessagingServiceSid"] == "MG" + "f" * 32
    assert "From" not in request["form"]


@pytest.mark.parametrize("code", [21610, 21211, 21614])
def test_a_number_twilio_refuses_for_good_is_suppressed_and_not_retried(page, api, twilio, code):
    subscriber = verified(page)
    twilio.numbers[NUMBER] = code
    open_api_incident(page, api)
    deliver_all()

    assert len(twilio.requests) == 1
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUPPRESSED
    assert delivery.last_error.startswith(f"Twilio {code}: ")
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.SUPPRESSED


def test_throttling_and_server_errors_are_retried_until_sent_once(page, api, twilio, settings):
    from subscribers import ratelimit

    verified(page)
    twilio.script = [429, 500, "ok"]
    try:
        open_api_incident(page, api)
        deliver_all()
        throttled = ratelimit.is_throttled("twilio") and not ratelimit.is_throttled("email")
    finally:
        ratelimit.clear("twilio")

    assert throttled
    assert len(twilio.texts_to(NUMBER)) == 3
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 3


def test_twilio_429_answer_is_read_with_its_retry_after(twilio):
    from subscribers.sms.transport import result_of
    from subscribers.transports import Answer, Outcome

    result = result_of(
        Answer(429, '{"code": 20429, "message": "Too Many Requests", "status": 429}', 7.0)
    )
    assert result.outcome == Outcome.TEMPORARY
    assert result.retry_after == 7.0
    assert "Twilio 20429" in result.error
    cut = result_of(Answer(400, '{"code": 21610, "message": "Attempt to se', None))
    assert cut.outcome == Outcome.TEMPORARY  # not Twilio's whole answer: not a reason to suppress


def test_over_the_daily_cap_an_alert_is_not_sent_and_says_why(page, api, twilio, settings):
    settings.SMS_DAILY_CAP = 2
    verified(page)
    for n in range(3):
        open_api_incident(page, api, name=f"Incident {n}")
        deliver_all()

    assert len(twilio.texts_to(NUMBER)) == 2
    skipped = Delivery.objects.get(status=DeliveryStatus.FAILED)
    assert skipped.last_error == "not sent: daily SMS cap reached (2 texts in 24 hours)"
    assert Subscriber.objects.get().state == SubscriberState.ACTIVE

    Delivery.objects.filter(status=DeliveryStatus.SENT).update(
        sent_at=timezone.now() - timedelta(hours=25)
    )
    from subscribers import services

    assert services.resend_failures(event=skipped.event, actor="tests") == 1
    deliver_all()
    assert len(twilio.texts_to(NUMBER)) == 3


def test_a_backfilled_incident_texts_nobody(page, twilio):
    verified(page)
    last_year = timezone.now() - timedelta(days=300)
    # Still open, as entered: a backfilled incident tells nobody whatever its status.
    past_incident(page, "Last year's outage", last_year, status="investigating")
    deliver_all()
    assert twilio.requests == []


def test_twilio_settings_half_set_or_malformed_fail_the_check(settings):
    from subscribers.sms.checks import check_twilio

    assert check_twilio() == []  # SMS off
    settings.TWILIO_ACCOUNT_SID = SID
    assert [m.id for m in check_twilio()] == ["beacon.E101"]
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM = "Beacon"
    assert [m.id for m in check_twilio()] == ["beacon.E103"]
    settings.TWILIO_FROM = "MG" + "0" * 32
    assert check_twilio() == []


def test_too_many_requests_from_one_address_get_a_429(client, sms_page, twilio, settings):
    settings.SUBSCRIBE_LIMIT_PER_IP = 2
    client.post("/subscribe/sms", {"phone_number": NUMBER})
    client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "code": "123456"})
    refused = client.post("/subscribe/sms/verify", {"phone_number": NUMBER, "code": "123456"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert b"Too many requests from your address" in refused.content
    assert b"works for 10 minutes and for 5 tries" in refused.content


def test_bad_credentials_are_retried_and_logged_without_blaming_the_number(
    page, api, twilio, settings
):
    verified(page)
    settings.TWILIO_AUTH_TOKEN = "a-wrong-token"
    open_api_incident(page, api)
    deliver_all(rounds=1)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == "HTTP 401 Twilio 20003: Authenticate"
    assert Subscriber.objects.get().state == SubscriberState.ACTIVE
