"""A provider's tracking webhook suppresses and unsubscribes real people, so only the configured
provider's is served, only behind its secret (and signature, where the provider signs), and
nothing a stranger sends through it changes a subscriber."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.core.checks import run_checks

from events.models import AuditEntry
from subscribers import services
from subscribers.checks import check_tracking_webhook
from subscribers.models import SubscriberState
from tests.support.postmark import HARD_BOUNCE

# anymail warns on every SendGrid request that it no longer supports SendGrid officially.
pytestmark = pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")

SECRET = "beacon:a-long-random-password"
RIGHT = "Basic " + base64.b64encode(SECRET.encode()).decode()
WRONG = "Basic " + base64.b64encode(b"beacon:guess").decode()
VICTIM = "gone@example.org"

# Recorded shapes of each provider's bounce report, for the victim's address.
SENDGRID_BOUNCE = [
    {
        "email": VICTIM,
        "timestamp": 1763915634,
        "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
        "event": "bounce",
        "category": ["notification"],
        "sg_event_id": "6g4ZI7SA-xmRDv57GoPIPw==",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
        "status": "5.1.1",
        "type": "bounce",
    }
]
MAILJET_BOUNCE = {
    "event": "bounce",
    "time": 1763915634,
    "MessageID": 19421777835146490,
    "Message_GUID": "1ab23cd4-e567-8901-2345-6789f0gh1i2j",
    "email": VICTIM,
    "mj_campaign_id": 7173,
    "mj_contact_id": 320,
    "customcampaign": "",
    "CustomID": "",
    "Payload": "",
    "blocked": False,
    "hard_bounce": True,
    "error_related_to": "recipient",
    "error": "user unknown",
    "comment": "Host or domain name not found.",
}
POSTMARK_BOUNCE = HARD_BOUNCE | {"Email": VICTIM}
PROVIDERS = {
    "postmark": POSTMARK_BOUNCE,
    "sendgrid": SENDGRID_BOUNCE,
    "mailjet": MAILJET_BOUNCE,
}


def use(settings, esp, **anymail):
    settings.MAILERS = {"default": {"BACKEND": f"anymail.backends.{esp}.EmailBackend"}}
    settings.ANYMAIL = anymail


@pytest.fixture
def victim(page):
    return services.add_email_subscriber(
        page=page, email=VICTIM, actor="tests", skip_confirmation=True
    )


@pytest.fixture
def post(client):
    def send(esp, body, authorization=None, content_type="application/json"):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
        return client.post(f"/anymail/{esp}/tracking/", raw, content_type=content_type, **extra)

    return send


def assert_untouched(victim):
    victim.refresh_from_db()
    assert victim.state == SubscriberState.ACTIVE
    assert victim.suppressed_reason == ""
    assert not AuditEntry.objects.filter(action__in=["suppress", "unsubscribe"]).exists()


@pytest.mark.parametrize("esp", sorted(PROVIDERS))
def test_without_a_secret_no_tracking_webhook_is_served(settings, post, victim, esp):
    use(settings, esp, POSTMARK_SERVER_TOKEN="token")
    for target, payload in PROVIDERS.items():
        assert post(target, payload).status_code == 404
        assert post(target, payload, authorization=WRONG).status_code == 404
    assert_untouched(victim)


def test_only_the_configured_providers_webhook_is_served(settings, post, victim):
    use(settings, "postmark", POSTMARK_SERVER_TOKEN="token", WEBHOOK_SECRET=SECRET)
    assert post("sendgrid", SENDGRID_BOUNCE, authorization=RIGHT).status_code == 404
    assert post("mailjet", MAILJET_BOUNCE, authorization=RIGHT).status_code == 404
    assert post("mandrill", [], authorization=RIGHT).status_code == 404
    assert_untouched(victim)


@pytest.mark.parametrize("esp", sorted(PROVIDERS))
def test_a_forged_bounce_without_the_credentials_changes_nothing(settings, post, victim, esp):
    use(settings, esp, WEBHOOK_SECRET=SECRET)
    missing = post(esp, PROVIDERS[esp])
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Basic ")
    assert post(esp, PROVIDERS[esp], authorization=WRONG).status_code == 401
    assert post(esp, PROVIDERS[esp], authorization="Bearer " + SECRET).status_code == 401
    assert post(esp, PROVIDERS[esp], authorization="Basic !!not-base64").status_code == 401
    assert_untouched(victim)


@pytest.mark.parametrize("esp", sorted(PROVIDERS))
def test_a_real_bounce_with_the_credentials_suppresses_the_address(settings, post, victim, esp):
    use(settings, esp, WEBHOOK_SECRET=SECRET)
    assert post(esp, PROVIDERS[esp], authorization=RIGHT).status_code == 200
    victim.refresh_from_db()
    assert victim.state == SubscriberState.SUPPRESSED
    assert "bounced" in victim.suppressed_reason


MALFORMED = {
    "not JSON": b"{this is not json",
    "not UTF-8": b'{"Email": "\xff\xfe"}',
    "nested past the recursion limit": b"[" * 200_000 + b"]" * 200_000,
    "nested objects past the recursion limit": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "a number": b"42",
    "a list of numbers": b"[1, 2, 3]",
    "a string": b'"Bounce"',
}


@pytest.mark.parametrize("esp", sorted(PROVIDERS))
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_with_the_credentials_is_a_400(settings, post, victim, esp, body):
    use(settings, esp, WEBHOOK_SECRET=SECRET)
    response = post(esp, body, authorization=RIGHT)
    assert response.status_code == 400
    assert_untouched(victim)


@pytest.mark.parametrize(
    "recipient", [VICTIM + "\x00", "not an address", "a" * 5000 + "@example.org", ""]
)
def test_a_report_for_something_that_is_not_an_address_changes_nothing(
    settings, post, victim, recipient
):
    use(settings, "postmark", WEBHOOK_SECRET=SECRET)
    response = post("postmark", POSTMARK_BOUNCE | {"Email": recipient}, authorization=RIGHT)
    assert response.status_code == 200
    assert_untouched(victim)


def test_a_report_with_a_hostile_description_is_stored_as_one_line(settings, post, victim):
    use(settings, "postmark", WEBHOOK_SECRET=SECRET)
    hostile = POSTMARK_BOUNCE | {"Description": "gone\r\n\x00\ud800" + "x" * 1000}
    assert post("postmark", hostile, authorization=RIGHT).status_code == 200
    victim.refresh_from_db()
    assert victim.state == SubscriberState.SUPPRESSED
    assert "\n" not in victim.suppressed_reason and "\x00" not in victim.suppressed_reason
    assert len(victim.suppressed_reason) <= 300


def mailgun_signed(event_data, key, *, token="a" * 50):
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": event_data,
    }


MAILGUN_FAILED = {
    "event": "failed",
    "severity": "permanent",
    "reason": "bounce",
    "recipient": VICTIM,
    "timestamp": 1763915634.123,
    "id": "G9Bn5sl1TC6nu79C8C0bwg",
    "delivery-status": {"code": 550, "message": "No such user", "description": ""},
    "message": {"headers": {"message-id": "20261123.1@status.example.com"}},
}


def test_mailgun_reports_need_the_credentials_and_mailguns_signature(settings, post, victim):
    use(settings, "mailgun", WEBHOOK_SECRET=SECRET, MAILGUN_WEBHOOK_SIGNING_KEY="signing-key")
    forged = mailgun_signed(MAILGUN_FAILED, "a-guessed-key")
    assert post("mailgun", forged).status_code == 401
    assert post("mailgun", forged, authorization=RIGHT).status_code == 403
    unsigned = {"event-data": MAILGUN_FAILED}
    assert post("mailgun", unsigned, authorization=RIGHT).status_code == 403
    assert post("mailgun", b"[" * 200_000, authorization=RIGHT).status_code == 400
    assert_untouched(victim)

    signed = mailgun_signed(MAILGUN_FAILED, "signing-key")
    assert post("mailgun", signed, authorization=RIGHT).status_code == 200
    victim.refresh_from_db()
    assert victim.state == SubscriberState.SUPPRESSED


def test_check_deploy_warns_when_a_providers_webhook_has_no_secret(settings):
    use(settings, "postmark", POSTMARK_SERVER_TOKEN="token")
    found = run_checks(include_deployment_checks=True)
    [warning] = [m for m in found if m.id == "beacon.W001"]
    assert "/anymail/postmark/tracking/" in warning.msg
    assert "ANYMAIL_WEBHOOK_SECRET" in (warning.hint or "")

    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": SECRET}
    assert check_tracking_webhook() == []
    # Plain SMTP learns of bounces from the SMTP replies: nothing to warn of.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
    settings.ANYMAIL = {}
    assert check_tracking_webhook() == []


def test_check_deploy_fails_when_the_providers_webhook_cannot_start(settings):
    use(settings, "mailgun", WEBHOOK_SECRET=SECRET)  # no signing key, no API key
    [error] = check_tracking_webhook()
    assert error.id == "beacon.E001"
    assert "MAILGUN_WEBHOOK_SIGNING_KEY" in error.msg
