"""Slack and Discord channels on the delivery pipeline: incident updates posted through the
incidents service reach local servers that answer as Slack and Discord do, as Block Kit
messages and embeds; the providers' errors are recorded, suppress a deleted webhook, and never
lose or duplicate a delivery."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from components.models import ComponentStatus
from incidents import services as incidents
from subscribers import services
from subscribers.chat.discord import DiscordTransport
from subscribers.chat.slack import SlackTransport
from subscribers.chat_signup import add_chat_subscriber
from subscribers.models import Channel, Delivery, DeliveryStatus, SubscriberState
from tests.support.chat_providers import (
    ChatProvider,
    block_kit_problems,
    chat_hosts,
    discord_problems,
)
from tests.support.delivery import deliver_all
from tests.support.personas import component
from tests.support.scenes import open_api_incident, past_incident, schedule_upgrade


def subscribed(page, channel, server, components=None):
    """A channel added as a visitor would; the test message it gets is then forgotten."""
    subscriber = add_chat_subscriber(
        page=page, channel=channel, endpoint=server.url, components=components, actor="tests"
    )
    server.requests.clear()
    return subscriber


def all_text(value):
    """Every string inside a JSON value, joined."""
    if isinstance(value, dict):
        return "\n".join(all_text(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(all_text(v) for v in value)
    return str(value)


def test_an_incident_update_reaches_slack_as_one_block_kit_message(page, api, slack):
    subscriber = subscribed(page, Channel.SLACK, slack)
    incident = open_api_incident(page, api)
    deliver_all()
    incidents.post_incident_update(
        incident=incident,
        status="identified",
        body=(
            "The **cause** is a bad deploy; see "
            "[the runbook](https://runbooks.example.com/a?b=1&c=2) <!channel>."
        ),
        component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
        actor="tests",
    )
    deliver_all()

    assert len(slack.requests) == 2  # one message per update
    message = slack.bodies()[1]
    assert block_kit_problems(message) == []
    assert message["text"] == "Major outage: Elevated API errors (Example Status)"
    title = message["blocks"][0]["text"]["text"]
    assert re.fullmatch(
        r"\*<https://status\.example\.com/incidents/\w+\|Major outage: Elevated API errors>\*",
        title,
    )
    attachment = message["attachments"][0]
    assert attachment["color"] == "#cf222e"  # a major outage: critical impact
    body, components, context = attachment["blocks"]
    assert body["text"]["text"] == (
        "The *cause* is a bad deploy; see "
        "<https://runbooks.example.com/a?b=1&amp;c=2|the runbook> &lt;!channel&gt;."
    )
    assert components["text"]["text"] == "*Affected components*\n\n• API: *Major outage*"
    byline, links = (element["text"] for element in context["elements"])
    assert byline.startswith("Example Status · ")
    unsubscribe = f"/subscriptions/{services_token(subscriber)}/unsubscribe"
    assert f"<https://status.example.com{unsubscribe}|Unsubscribe>" in links
    assert "|Manage subscription>" in links
    assert slack.requests[1]["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.SENT).count() == 2


def services_token(subscriber):
    from subscribers.tokens import manage_token

    return manage_token(subscriber)


def test_an_incident_reaches_discord_as_an_embed_with_a_field_per_component(
    page, api, dashboard, discord
):
    subscribed(page, Channel.DISCORD, discord)
    open_api_incident(
        page,
        api,
        body="We are investigating **errors** on the API. @everyone <@&123>",
        component_statuses={api: ComponentStatus.PARTIAL_OUTAGE, dashboard: "degraded_performance"},
    )
    deliver_all()

    (message,) = discord.bodies()
    assert discord_problems(message) == []
    assert message["allowed_mentions"] == {"parse": []}
    (embed,) = message["embeds"]
    assert embed["title"] == "Partial outage: Elevated API errors"
    assert embed["url"].startswith("https://status.example.com/incidents/")
    assert embed["color"] == 0xE36209  # major
    description = embed["description"]
    assert description.startswith(
        "We are investigating **errors** on the API. @\u200beveryone \\<@&123\\>"
    )
    assert "[Unsubscribe](https://status.example.com/subscriptions/" in description
    assert embed["fields"] == [
        {"name": "API", "value": "Partial outage", "inline": True},
        {"name": "Dashboard", "value": "Degraded performance", "inline": True},
    ]
    assert embed["footer"]["text"].startswith("Example Status · ")


def test_a_resolved_incident_is_green_and_says_how_long_it_lasted(page, api, slack):
    subscribed(page, Channel.SLACK, slack)
    incident = open_api_incident(page, api)
    incidents.resolve_incident(incident=incident, actor="tests")
    deliver_all()

    resolved = slack.bodies()[-1]
    assert resolved["attachments"][0]["color"] == "#2e7d32"
    assert resolved["text"].startswith("Resolved: Elevated API errors")
    byline = resolved["attachments"][0]["blocks"][-1]["elements"][0]["text"]
    assert "lasted" in byline


def test_a_channel_gets_its_messages_one_at_a_time_and_in_order(page, api, slack):
    """Opened and resolved before the sender runs: one claim holds both, and the second is not
    posted until the first is answered, however slowly."""
    subscribed(page, Channel.SLACK, slack)
    incident = open_api_incident(page, api)
    incidents.resolve_incident(incident=incident, actor="tests")
    slack.script, slack.slow_seconds = ["slow", "ok"], 0.5
    seen_when_answered = []
    answer = slack.answer

    def answer_and_count(request):
        answered = answer(request)
        seen_when_answered.append(len(slack.requests))
        return answered

    slack.answer = answer_and_count
    deliver_all()

    assert [m["text"].split(":")[0] for m in slack.bodies()] == ["Partial outage", "Resolved"]
    assert seen_when_answered == [1, 2]


def test_scheduled_maintenance_is_blue_and_gives_its_window(page, api, slack, discord):
    subscribed(page, Channel.SLACK, slack)
    subscribed(page, Channel.DISCORD, discord)
    schedule_upgrade(page, timezone.now() + timedelta(days=1), components=[api])
    deliver_all()

    (posted,) = slack.bodies()
    assert posted["text"] == "Scheduled maintenance: Database upgrade (Example Status)"
    assert posted["attachments"][0]["color"] == "#1f6feb"
    body = posted["attachments"][0]["blocks"][0]["text"]["text"]
    assert re.fullmatch(r"\*Window:\* .+ to .+\n\nWe are upgrading the database\.", body)
    (embed,) = discord.bodies()[0]["embeds"]
    assert embed["title"] == "Scheduled maintenance: Database upgrade"
    assert embed["color"] == 0x1F6FEB
    assert embed["description"].startswith("**Window:** ")


def test_chat_channels_hear_only_about_the_components_they_chose(page, api, dashboard, slack):
    subscribed(page, Channel.SLACK, slack, components=[dashboard])
    open_api_incident(page, api)
    deliver_all()
    assert slack.requests == []

    open_api_incident(page, dashboard, name="Slow dashboard")
    deliver_all()
    assert [m["text"] for m in slack.bodies()] == [
        "Partial outage: Slow dashboard (Example Status)"
    ]


def test_quiet_updates_and_backfilled_incidents_are_not_posted(page, api, slack, discord):
    subscribed(page, Channel.SLACK, slack)
    subscribed(page, Channel.DISCORD, discord)
    incident = open_api_incident(page, api, deliver_notifications=False)
    incidents.post_incident_update(
        incident=incident,
        status="monitoring",
        body="Quiet.",
        actor="tests",
        deliver_notifications=False,
    )
    past_incident(page, "Old outage", incident.started_at)
    deliver_all()

    assert slack.requests == [] and discord.requests == []
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("no_service", "Slack answered HTTP 404: no_service"),
        ("channel_is_archived", "Slack answered HTTP 410: channel_is_archived"),
        ("invalid_token", "Slack answered HTTP 403: invalid_token"),
    ],
)
def test_a_deleted_slack_webhook_suppresses_the_channel(page, api, slack, answer, said):
    subscriber = subscribed(page, Channel.SLACK, slack)
    slack.script = [answer]
    open_api_incident(page, api)
    deliver_all()

    (delivery,) = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.SUPPRESSED
    assert delivery.last_error.startswith(said)
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.SUPPRESSED
    assert len(slack.requests) == 1  # not retried

    open_api_incident(page, api, name="Again")
    deliver_all()
    assert len(slack.requests) == 1


def test_a_deleted_discord_webhook_suppresses_the_channel(page, api, discord):
    subscriber = subscribed(page, Channel.DISCORD, discord)
    discord.script = ["unknown_webhook"]
    open_api_incident(page, api)
    deliver_all()

    (delivery,) = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.SUPPRESSED
    assert delivery.last_error == "Discord answered HTTP 404: Unknown Webhook (code 10015)"
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.SUPPRESSED


@pytest.mark.parametrize(
    ("provider", "channel", "answer"),
    [
        ("slack", Channel.SLACK, "rate_limited"),
        ("slack", Channel.SLACK, "rollup_error"),
        ("slack", Channel.SLACK, "action_prohibited"),
        ("discord", Channel.DISCORD, "rate_limited"),
        ("discord", Channel.DISCORD, "server_error"),
    ],
)
def test_throttling_and_provider_errors_are_retried_and_delivered_once(
    page, api, settings, provider, channel, answer
):
    chat_hosts(settings)
    settings.NOTIFY_RATE_PER_SECOND = 1000
    server = ChatProvider(provider).start()
    try:
        subscribed(page, channel, server)
        server.script = [answer, "ok"]
        open_api_incident(page, api)
        deliver_all()
    finally:
        server.stop()

    (delivery,) = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert len(server.requests) == 2
    # The same message again (only the signed links in it are made anew).
    first, second = (all_text(body).splitlines()[0] for body in server.bodies())
    assert first == second
    assert "Partial outage: Elevated API errors" in first


def test_the_providers_wait_is_what_the_retry_is_told(page, slack, discord):
    slack_channel = subscribed(page, Channel.SLACK, slack)
    discord_channel = subscribed(page, Channel.DISCORD, discord)
    slack.script = ["rate_limited"]
    discord.script = ["rate_limited"]

    slack_result = SlackTransport().deliver(slack_channel, {"text": "hi"})
    discord_result = DiscordTransport().deliver(discord_channel, {"content": "hi"})

    assert (slack_result.outcome, slack_result.retry_after) == ("temporary", 30.0)
    # Discord's body says 12.5 s, more exactly than its header (13).
    assert (discord_result.outcome, discord_result.retry_after) == ("temporary", 12.5)
    assert discord_result.error.startswith("Discord answered HTTP 429: You are being rate limited.")


def test_a_slow_endpoint_is_a_recorded_failure_then_one_delivery(page, api, settings, slack):
    subscribed(page, Channel.SLACK, slack)
    settings.NOTIFY_WEBHOOK_TIMEOUT = 1
    slack.slow_seconds = 3
    slack.script = ["slow", "ok"]
    open_api_incident(page, api)
    deliver_all()

    (delivery,) = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert slack.wait_for(2)


def test_an_unreachable_endpoint_is_retried_and_its_error_recorded(page, api, settings, slack):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    subscriber = subscribed(page, Channel.SLACK, slack)
    slack.stop()
    open_api_incident(page, api)
    deliver_all()

    (delivery,) = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE  # maybe down for a while: not suppressed
    assert services.resend_failures(event=delivery.event, actor="tests") == 1


LONG_BODY = "\n\n".join(
    f"Paragraph {n}: the [status](https://example.com/{n}) of *everything* & more. " * 8
    for n in range(25)
)


def open_a_long_incident(page):
    """An incident at the longest name, with LONG_BODY and 60 long-named components, delivered."""
    many = [component(page, f"Region {n} " + "x" * 60) for n in range(60)]
    incidents.open_incident(
        page=page,
        name="N" * 255,
        body=LONG_BODY,
        component_statuses=dict.fromkeys(many, ComponentStatus.MAJOR_OUTAGE),
        actor="tests",
    )
    deliver_all()


def test_a_long_update_and_many_components_stay_within_slacks_limits(page, slack):
    subscribed(page, Channel.SLACK, slack)
    open_a_long_incident(page)

    (message,) = slack.bodies()
    assert block_kit_problems(message) == []
    body = message["attachments"][0]["blocks"][0]["text"]["text"]
    assert re.search(r"… <https://status\.example\.com/incidents/\w+\|Read the full update>$", body)
    # Cut between whole links, never inside one.
    assert body.count("<") == body.count(">")


def test_a_long_update_and_many_components_stay_within_discords_limits(page, discord):
    subscribed(page, Channel.DISCORD, discord)
    open_a_long_incident(page)

    (message,) = discord.bodies()
    assert discord_problems(message) == []
    embed = message["embeds"][0]
    assert len(embed["fields"]) == 25
    assert embed["fields"][-1] == {"name": "…", "value": "and 36 more", "inline": True}
    assert "… [Read the full update](https://status.example.com/incidents/" in embed["description"]
    assert embed["description"].endswith(")")  # the links line is kept whole
    assert "[Unsubscribe](" in embed["description"]
