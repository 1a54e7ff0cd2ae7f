"""Visitors add a Slack, Teams, Discord or Google Chat channel from the public page, operators
from the admin: the URL must be the provider's, a test message goes out at once, and a provider
that refuses it is a clear error at sign-up, not a subscriber that never hears anything."""

import socket

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from pages.services import save_page
from snapshots import publisher, store
from subscribers import channels
from subscribers.chat.notice import ChatNotice
from subscribers.chat.transport import ChatTransport
from subscribers.chat_signup import add_chat_subscriber
from subscribers.models import Channel, Subscriber, SubscriberState
from subscribers.validation import clean_chat_endpoint
from tests.support.chat_providers import chat_hosts
from tests.support.delivery import deliver_all
from tests.support.scenes import open_api_incident


@pytest.fixture(autouse=True)
def offered(page, settings):
    chat_hosts(settings)
    cache.clear()
    page.allow_slack_subscribers = True
    page.allow_discord_subscribers = True
    save_page(page=page, actor="tests")


def test_a_visitor_adds_a_slack_channel_and_sees_the_test_message_there(client, page, slack):
    response = client.post("/subscribe/slack", {"endpoint": slack.url, "email": "ops@example.org"})

    assert response.status_code == 200, response.content.decode()[:2000]
    assert b"Slack channel added" in response.content
    subscriber = Subscriber.objects.get(channel=Channel.SLACK)
    assert subscriber.state == SubscriberState.ACTIVE
    assert subscriber.endpoint == slack.url
    assert subscriber.email == "ops@example.org"
    (test,) = slack.bodies()
    assert test["text"] == "Connected to Example Status"
    text = "\n".join(b["text"]["text"] for b in test["attachments"][0]["blocks"][:1])
    assert "This is a test message: this channel is now subscribed to *Example Status*." in text
    assert (
        "/unsubscribe|Unsubscribe>" in test["attachments"][0]["blocks"][-1]["elements"][1]["text"]
    )


def test_a_discord_channel_for_some_components_says_so_in_its_test_message(
    client, page, api, dashboard, discord
):
    response = client.post("/subscribe/discord", {"endpoint": discord.url, "components": [api.pk]})

    assert response.status_code == 200, response.content.decode()[:2000]
    subscriber = Subscriber.objects.get(channel=Channel.DISCORD)
    assert list(subscriber.components.all()) == [api]
    (test,) = discord.bodies()
    assert "affecting API will be posted here" in test["embeds"][0]["description"]


def test_the_unsubscribe_link_in_a_message_removes_the_channel(client, page, api, slack):
    client.post("/subscribe/slack", {"endpoint": slack.url})
    links = slack.bodies()[0]["attachments"][0]["blocks"][-1]["elements"][1]["text"]
    unsubscribe = next(
        part.split("|")[0].lstrip("<") for part in links.split(" · ") if "Unsubscribe" in part
    )
    path = unsubscribe.removeprefix("https://status.example.com")

    asked = client.get(path)
    assert asked.status_code == 200
    # The page is linked from the channel: it names the channel without its webhook's secret.
    assert "Slack channel (127.0.0.1/…)" in asked.content.decode()
    assert "/services/" not in asked.content.decode()
    done = client.post(path)
    assert done.status_code == 200
    assert 'href="/subscribe/slack"' in done.content.decode()
    open_api_incident(page, api)
    deliver_all()

    assert Subscriber.objects.get(channel=Channel.SLACK).state == SubscriberState.UNSUBSCRIBED
    assert len(slack.requests) == 1  # the test message only


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ("no_service", "no_service (the webhook is disabled, removed or mistyped)"),
        ("channel_not_found", "Slack answered HTTP 404: channel_not_found"),
        ("invalid_token", "Slack answered HTTP 403: invalid_token"),
        ("invalid_payload", "Slack answered HTTP 400: invalid_payload"),
    ],
)
def test_slacks_refusal_is_shown_at_sign_up_and_nothing_is_kept(client, slack, answer, shown):
    slack.script = [answer]

    response = client.post("/subscribe/slack", {"endpoint": slack.url})

    assert response.status_code == 400
    assert shown in response.content.decode()
    assert "The test message was not accepted." in response.content.decode()
    assert not Subscriber.objects.exists()


def test_discords_refusal_is_shown_at_sign_up(client, discord):
    discord.script = ["unknown_webhook"]

    response = client.post("/subscribe/discord", {"endpoint": discord.url})

    assert response.status_code == 400
    assert "Discord answered HTTP 404: Unknown Webhook (code 10015)" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_slow_endpoint_is_given_up_on_at_the_deadline(client, settings, slack):
    settings.NOTIFY_WEBHOOK_TIMEOUT = 1
    slack.slow_seconds = 5
    slack.script = ["slow"]

    response = client.post("/subscribe/slack", {"endpoint": slack.url})

    assert response.status_code == 400
    assert "no answer within 1 s" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_an_unreachable_endpoint_is_an_error_at_sign_up(client):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens there

    response = client.post(
        "/subscribe/slack", {"endpoint": f"http://127.0.0.1:{port}/services/T1/B1/x"}
    )

    assert response.status_code == 400
    assert "The test message was not accepted." in response.content.decode()
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        ("slack", "https://example.com/services/T1/B1/x"),
        ("slack", "https://hooks.slack.com.evil.example/services/T1/B1/x"),
        ("slack", "http://hooks.slack.com/services/T1/B1/x"),
        ("slack", "https://hooks.slack.com/workflows/T1/A1/1/x"),
        ("slack", "https://hooks.slack.com:8443/services/T1/B1/x"),
        ("discord", "https://discord.com/channels/1/2"),
        ("discord", "https://discord.gg/api/webhooks/1/x"),
        ("discord", "https://hooks.slack.com/services/T1/B1/x"),
        ("teams", "https://evil.example/logic.azure.com/workflows/x"),
        ("teams", "https://logic.azure.com.evil.example/workflows/x"),
        ("google_chat", "https://chat.googleapis.com/v1/spaces/AAA"),
    ],
)
def test_a_url_that_is_not_the_providers_webhook_is_refused(settings, channel, url):
    settings.NOTIFY_CHAT_HOSTS = {}

    with pytest.raises(ValidationError) as error:
        clean_chat_endpoint(channel, url)

    assert "URL, such as https://" in error.value.message_dict["endpoint"][0]


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        ("slack", "https://hooks.slack.com/services/T0001/B0001/abcdEFGH1234"),
        ("discord", "https://discord.com/api/webhooks/1234567/tok-EN_1"),
        ("discord", "https://discordapp.com/api/v10/webhooks/1234567/tok?thread_id=9"),
        ("teams", "https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/manual"),
        ("teams", "https://x.environment.api.powerplatform.com/powerautomate/automations/d"),
        ("teams", "https://contoso.webhook.office.com/webhookb2/abc"),
        ("google_chat", "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"),
    ],
)
def test_the_providers_own_webhook_urls_are_taken(settings, monkeypatch, channel, url):
    settings.NOTIFY_CHAT_HOSTS = {}
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: public)
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False

    assert clean_chat_endpoint(channel, url) == url


def test_a_private_address_is_refused_even_on_an_allowed_host(client, settings, slack):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False

    response = client.post("/subscribe/slack", {"endpoint": slack.url})

    assert response.status_code == 400
    assert "are refused" in response.content.decode()
    assert slack.requests == []


def test_the_form_refuses_a_wrong_host_with_the_example_to_follow(client, settings, slack):
    settings.NOTIFY_CHAT_HOSTS = {}

    response = client.post("/subscribe/slack", {"endpoint": slack.url})

    assert response.status_code == 400
    assert "Enter a Slack incoming-webhook URL, such as https://hooks.slack.com/services/" in (
        response.content.decode()
    )
    assert slack.requests == []


def test_a_switched_off_channel_is_not_offered(client, page):
    page.allow_slack_subscribers = False
    save_page(page=page, actor="tests")

    response = client.get("/subscribe/slack")

    assert response.status_code == 404
    assert b"does not offer Slack subscriptions" in response.content
    assert client.post("/subscribe/slack", {"endpoint": "x"}).status_code == 404


def test_the_subscribe_pages_and_the_home_page_link_to_the_chat_sign_ups(client, page):
    form = client.get("/subscribe").content.decode()
    assert 'href="/subscribe/slack"' in form and 'href="/subscribe/discord"' in form
    assert 'href="/subscribe/teams"' not in form  # switched off

    publisher.publish()
    snapshot = store.read(page.pk, "/")
    assert snapshot is not None
    assert 'href="/subscribe/slack"' in snapshot.body.decode()

    slack = client.get("/subscribe/slack")
    assert slack.status_code == 200
    assert b"https://hooks.slack.com/services/" in slack.content


def test_the_honeypot_adds_nothing(client, slack):
    response = client.post("/subscribe/slack", {"endpoint": slack.url, "website": "spam"})

    assert response.status_code == 200
    assert not Subscriber.objects.exists() and slack.requests == []


def test_signing_up_again_sends_a_new_test_and_keeps_one_channel(client, slack):
    client.post("/subscribe/slack", {"endpoint": slack.url})
    client.post("/subscribe/slack", {"endpoint": slack.url})

    assert Subscriber.objects.filter(channel=Channel.SLACK).count() == 1
    assert len(slack.requests) == 2


def test_a_suppressed_channel_stays_suppressed_when_its_test_fails(page, slack):
    from subscribers import services

    subscriber = add_chat_subscriber(
        page=page, channel=Channel.SLACK, endpoint=slack.url, actor="tests"
    )
    services.suppress(subscriber=subscriber, reason="HTTP 404 no_service", actor="tests")
    slack.script = ["no_service"]

    with pytest.raises(ValidationError):
        add_chat_subscriber(page=page, channel=Channel.SLACK, endpoint=slack.url, actor="tests")

    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.SUPPRESSED
    slack.script = ["ok"]
    again = add_chat_subscriber(page=page, channel=Channel.SLACK, endpoint=slack.url, actor="t")
    assert again.pk == subscriber.pk and again.state == SubscriberState.ACTIVE


class PlainChat(ChatTransport):
    """A stand-in for a provider whose module another change wires in (Teams, Google Chat)."""

    provider = "teams"
    label = "Teams"

    def payload(self, notice: ChatNotice) -> dict[str, str]:
        return {"text": notice.name}


@pytest.mark.parametrize(("channel", "path"), [("teams", "teams"), ("google_chat", "google-chat")])
def test_every_chat_channel_signs_up_through_the_same_flow_once_wired(
    client, page, monkeypatch, slack, channel, path
):
    monkeypatch.setitem(channels.TRANSPORTS, channel, PlainChat)
    setattr(page, f"allow_{channel}_subscribers", True)
    save_page(page=page, actor="tests")

    response = client.post(f"/subscribe/{path}", {"endpoint": slack.url})

    assert response.status_code == 200, response.content.decode()[:2000]
    assert Subscriber.objects.get(channel=channel).state == SubscriberState.ACTIVE
    assert slack.bodies() == [{"text": "Example Status"}]


def test_an_operator_adds_a_slack_channel_in_the_admin(client, alice, page, slack):
    client.force_login(alice)
    response = client.post(
        "/admin/subscribers/subscriber/add/",
        {"page": page.pk, "channel": "slack", "endpoint": slack.url, "email": ""},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Subscriber.objects.get(channel=Channel.SLACK).state == SubscriberState.ACTIVE
    assert len(slack.requests) == 1
    listing = client.get("/admin/subscribers/subscriber/?channel__exact=slack")
    assert slack.url in listing.content.decode()


def test_the_admin_shows_the_providers_refusal_as_a_form_error(client, alice, page, slack):
    client.force_login(alice)
    slack.script = ["no_service"]

    response = client.post(
        "/admin/subscribers/subscriber/add/",
        {"page": page.pk, "channel": "slack", "endpoint": slack.url, "email": ""},
    )

    assert response.status_code == 200
    assert "Slack answered HTTP 404: no_service" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_two_sign_ups_of_one_url_where_one_fails_leave_a_clear_error_not_a_crash(page, slack):
    from subscribers import services

    first = services.start_chat_subscriber(page=page, channel=Channel.SLACK, endpoint=slack.url)
    second = services.start_chat_subscriber(page=page, channel=Channel.SLACK, endpoint=slack.url)
    assert first.created and not second.created
    services.drop_chat_subscriber(first)  # its test was refused

    with pytest.raises(ValidationError) as error:
        services.finish_chat_subscriber(signup=second, actor="tests")

    assert "add it again" in error.value.message_dict["endpoint"][0]
    assert not Subscriber.objects.exists()


CHAT_SWITCHES = [
    "allow_slack_subscribers",
    "allow_teams_subscribers",
    "allow_discord_subscribers",
    "allow_google_chat_subscribers",
]


def test_page_admins_switch_each_chat_sign_up_in_the_page_form(client, alice, page):
    from tests.support.forms import page_form_data

    client.force_login(alice)
    form = client.get(f"/admin/pages/page/{page.pk}/change/").content.decode()
    for name in CHAT_SWITCHES:
        assert f'name="{name}"' in form

    ticked = {
        "allow_page_subscribers": True,
        "allow_email_subscribers": True,
        "allow_discord_subscribers": True,
    }
    response = client.post(f"/admin/pages/page/{page.pk}/change/", page_form_data(page, **ticked))

    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.allow_slack_subscribers, page.allow_discord_subscribers) == (False, True)
    client.logout()
    assert client.get("/subscribe/slack").status_code == 404
    assert client.get("/subscribe/discord").status_code == 200


def test_a_flood_of_sign_ups_from_one_address_is_refused_on_the_chat_form(client, settings, slack):
    settings.SUBSCRIBE_LIMIT_PER_IP = 2
    for _ in range(2):
        client.post("/subscribe/slack", {"endpoint": slack.url})

    response = client.post("/subscribe/slack", {"endpoint": slack.url})

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert "Slack notifications" in response.content.decode()
    assert len(slack.requests) == 2
