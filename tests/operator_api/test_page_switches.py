"""The page's subscription switches through the operator API: reported as stored, taken on
PATCH as booleans only; SMS only once Twilio is set up; incident subscribers are refused while
switched off, page subscribers never are (operators may always add people by hand)."""

import pytest

from incidents import services as incidents
from operator_api.openapi import openapi_document
from subscribers.models import Subscriber
from tests.support.api_client import add_without_confirmation

SWITCHES = [
    "allow_page_subscribers",
    "allow_incident_subscribers",
    "allow_email_subscribers",
    "allow_webhook_subscribers",
]


@pytest.mark.parametrize("switch", SWITCHES)
def test_each_switch_is_reported_and_patched(operator, base, page, switch):
    assert operator.get(base).json[switch] is True

    off = operator.patch(base, {"page": {switch: False}})
    assert off.status == 200, off.raw
    assert off.json[switch] is False
    assert all(off.json[other] is True for other in SWITCHES if other != switch)
    page.refresh_from_db()
    assert getattr(page, switch) is False
    assert page.events.filter(kind="page.changed").exists()
    assert operator.get(base).json[switch] is False

    on = operator.patch(base, {"page": {switch: "true"}})
    assert on.json[switch] is True
    page.refresh_from_db()
    assert getattr(page, switch) is True


def test_the_switches_arrive_as_a_rails_form_too(operator, base, page):
    body = b"page[allow_email_subscribers]=false&page[allow_webhook_subscribers]=0"
    reply = operator.patch(base, raw=body, content_type="application/x-www-form-urlencoded")
    assert reply.status == 200, reply.raw
    assert reply.json["allow_email_subscribers"] is False
    assert reply.json["allow_webhook_subscribers"] is False
    assert reply.json["allow_page_subscribers"] is True


@pytest.mark.parametrize("switch", [*SWITCHES, "allow_sms_subscribers"])
@pytest.mark.parametrize("bad", ["sometimes", 2, [], {}])
def test_a_switch_takes_a_boolean_only(operator, base, page, switch, bad):
    reply = operator.patch(base, {"page": {switch: bad, "name": "Renamed"}})
    assert reply.status == 422, reply.raw
    assert reply.json["message"] == f"{switch}: must be true or false."
    assert reply.json["error"] == reply.json["message"]
    page.refresh_from_db()
    assert page.name == "Example Status"
    assert all(getattr(page, name) is True for name in SWITCHES)


def test_sms_subscribers_need_twilio_set_up(operator, base, page, settings):
    assert operator.get(base).json["allow_sms_subscribers"] is False

    refused = operator.patch(base, {"page": {"allow_sms_subscribers": True, "name": "Renamed"}})
    assert refused.status == 422
    assert "allow_sms_subscribers" in refused.json["message"]
    assert "TWILIO_ACCOUNT_SID" in refused.json["message"]
    page.refresh_from_db()
    assert page.name == "Example Status"
    assert page.allow_sms_subscribers is False

    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM = "+14155550199"
    accepted = operator.patch(base, {"page": {"allow_sms_subscribers": True}})
    assert accepted.status == 200, accepted.raw
    assert accepted.json["allow_sms_subscribers"] is True
    page.refresh_from_db()
    assert page.allow_sms_subscribers is True
    off = operator.patch(base, {"page": {"allow_sms_subscribers": "false"}})
    assert off.json["allow_sms_subscribers"] is False


@pytest.mark.parametrize(
    "switch",
    [
        "allow_slack_subscribers",
        "allow_teams_subscribers",
        "allow_discord_subscribers",
        "allow_google_chat_subscribers",
    ],
)
def test_the_chat_switches_start_off_and_are_patched(operator, base, page, switch):
    assert operator.get(base).json[switch] is False
    on = operator.patch(base, {"page": {switch: True}})
    assert on.status == 200, on.raw
    assert on.json[switch] is True
    page.refresh_from_db()
    assert getattr(page, switch) is True
    assert page.offers_signup(switch.removeprefix("allow_").removesuffix("_subscribers"))


def test_with_incident_subscribers_off_the_api_refuses_new_ones(operator, base, page):
    incident = incidents.open_incident(page=page, name="Slow", body="Looking.", actor="tests")
    url = f"{base}/incidents/{incident.pk}/subscribers"
    kept = operator.post(url, {"subscriber": {"email": "ana@example.com"}})
    assert kept.status == 201
    operator.patch(base, {"page": {"allow_incident_subscribers": False}})

    refused = operator.post(url, {"subscriber": {"email": "bo@example.com"}})

    assert refused.status == 422
    assert "does not take incident subscribers" in refused.json["message"]
    assert not Subscriber.objects.filter(email="bo@example.com").exists()
    # Those already there stay listed, and can be removed.
    assert [s["email"] for s in operator.get(url).json] == ["ana@example.com"]
    assert operator.delete(f"{url}/{kept.json['id']}").status == 200

    operator.patch(base, {"page": {"allow_incident_subscribers": True}})
    assert operator.post(url, {"subscriber": {"email": "bo@example.com"}}).status == 201


def test_operators_add_page_subscribers_whatever_the_switches_say(operator, base, page, settings):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    off = dict.fromkeys(["allow_page_subscribers", "allow_email_subscribers"], False)
    operator.patch(base, {"page": {**off, "allow_webhook_subscribers": False}})

    email = add_without_confirmation(operator, f"{base}/subscribers", email="ana@example.com")
    hook = operator.post(
        f"{base}/subscribers", {"subscriber": {"endpoint": "https://hooks.example.org/status"}}
    )

    assert email.status == 201, email.raw
    assert hook.status == 201, hook.raw
    assert Subscriber.objects.filter(page=page).count() == 2


def test_the_openapi_document_lists_the_switches_in_page_in():
    fields = openapi_document("http://localhost/v1")["components"]["schemas"]["PageIn"]
    properties = fields["properties"]["page"]["properties"]
    for switch in [*SWITCHES, "allow_rss_atom_feeds"]:
        assert switch in properties
    assert "TWILIO" in properties["allow_sms_subscribers"]["description"]
