"""Microsoft Teams and Google Chat subscribers: what their cards say and how, within the
providers' published schema and limits, and what comes of each answer the providers give.

The Teams cards are checked against the Adaptive Card 1.5 JSON schema (schemas/README.md says
where it comes from); the Google Chat messages against the documented limits and shape. The
end-to-end tests post through the incidents service to local servers that answer as the
providers do."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.utils import timezone
from markdown_it import MarkdownIt

from components.models import ComponentStatus
from events.models import OutboxEvent
from subscribers import services, tasks
from subscribers.chat import notice as notices
from subscribers.chat.google_chat import GoogleChatTransport
from subscribers.chat.markdown_cards import google_chat_html, teams_markdown
from subscribers.chat.notice import ChatNotice
from subscribers.chat.teams import TeamsTransport
from subscribers.models import Channel, Delivery, DeliveryStatus, Subscriber, SubscriberState
from subscribers.transports import Answer, Outcome
from tests.support import chat_servers_teams as providers
from tests.support.chat_servers_teams import ChatProviderServer
from tests.support.delivery import deliver_all
from tests.support.scenes import open_api_incident, post_identified, schedule_upgrade

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "adaptive-card-1.5.json").read_text())
CARD_VALIDATOR = jsonschema.Draft6Validator(SCHEMA)
TEAMS_LIMIT = 28_000
GOOGLE_CHAT_LIMIT = 32_000
GOOGLE_CHAT_TAGS = {"b", "i", "a", "br", "font"}
GOOGLE_CHAT_WIDGETS = {"textParagraph", "decoratedText", "buttonList"}
INCIDENT_URL = "https://status.example.com/incidents/abc123"


def notice(**fields: Any) -> ChatNotice:
    defaults: dict[str, Any] = {
        "page_name": "Example Status",
        "page_url": "https://status.example.com",
        "heading": "Major outage",
        "name": "Elevated API errors",
        "url": INCIDENT_URL,
        "body": "We are investigating **errors** on the API.",
        "when": "2 Dec 2026, 07:40 CET",
        "components": [{"name": "API", "status": "Major outage"}],
        "tone": "major",
        "unsubscribe_url": "https://status.example.com/subscriptions/tok/unsubscribe",
        "manage_url": "https://status.example.com/subscriptions/tok",
    }
    return ChatNotice(**defaults | fields)


def size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())


def the_card(payload: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card of a Teams workflow message, after checking the message's shape and
    the card against the schema."""
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    errors = [e.message for e in CARD_VALIDATOR.iter_errors(card)]
    assert not errors, errors
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] == "1.5"
    assert size(payload) <= TEAMS_LIMIT
    return card


def elements(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item.get("type") == kind:
                found.append(item)
            walk(item.get("items", []))

    walk(card["body"])
    return found


def runs(card: dict[str, Any]) -> list[str]:
    return [run["text"] for block in elements(card, "RichTextBlock") for run in block["inlines"]]


def body_text(card: dict[str, Any]) -> str:
    """The TextBlock that carries the update's body (the one that wraps outside the band)."""
    [body] = [b for b in card["body"] if b["type"] == "TextBlock" and b.get("wrap")]
    return body["text"]


def shown_literally(markdown: str) -> str:
    """What a CommonMark reader shows for `markdown`, after checking that it is no markup."""
    [_, inline, _] = MarkdownIt("commonmark").parse(markdown)
    kinds = {token.type for token in inline.children or []}
    assert kinds <= {"text", "softbreak"}, (markdown, kinds)
    return "".join(token.content for token in inline.children or [])


class ChatHTML(HTMLParser):
    """Reads Google Chat's HTML subset: the tags used (balanced), their attributes, the text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag != "br":
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_chat_html(markup: str) -> ChatHTML:
    parsed = ChatHTML(markup)
    assert not parsed.open, f"unclosed {parsed.open}"
    for tag, attrs in parsed.tags:
        assert tag in GOOGLE_CHAT_TAGS, tag
        allowed = {"a": {"href"}, "font": {"color"}}.get(tag, set())
        assert set(attrs) <= allowed, (tag, attrs)
    return parsed


def the_chat_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The card of a Google Chat message, after checking the message's documented limits and
    required keys, and that every formatted field keeps to the HTML subset."""
    assert size(payload) <= GOOGLE_CHAT_LIMIT
    assert set(payload) == {"text", "cardsV2"}
    assert 0 < len(payload["text"]) <= 4096
    [entry] = payload["cardsV2"]
    assert entry["cardId"]
    card = entry["card"]
    assert card["header"]["title"]
    assert card["sections"]
    widgets = [w for section in card["sections"] for w in section["widgets"]]
    assert 0 < len(widgets) <= 100
    for widget in widgets:
        [kind] = widget
        assert kind in GOOGLE_CHAT_WIDGETS
        if kind == "buttonList":
            for button in widget[kind]["buttons"]:
                assert button["text"]
                assert button["onClick"]["openLink"]["url"].startswith("https://")
        else:
            read_chat_html(widget[kind]["text"])
    for section in card["sections"]:
        if "header" in section:
            read_chat_html(section["header"])
    return card


def formatted(card: dict[str, Any]) -> list[str]:
    """The HTML of every textParagraph and decoratedText of a Google Chat card."""
    return [
        widget[kind]["text"]
        for section in card["sections"]
        for widget in section["widgets"]
        for kind in widget
        if kind != "buttonList"
    ]


def buttons(card: dict[str, Any]) -> dict[str, str]:
    return {
        button["text"]: button["onClick"]["openLink"]["url"]
        for section in card["sections"]
        for widget in section["widgets"]
        if "buttonList" in widget
        for button in widget["buttonList"]["buttons"]
    }


# Teams cards ------------------------------------------------------------------------------


def test_a_teams_card_is_a_valid_adaptive_card_with_everything_the_update_says():
    card = the_card(TeamsTransport().payload(notice()))

    band = card["body"][0]
    assert band["type"] == "Container"
    assert band["style"] == "attention"
    heading = band["items"][0]
    assert (heading["text"], heading["color"]) == ("Major outage", "attention")
    assert "Elevated API errors" in runs(card)
    assert "Posted 2 Dec 2026, 07:40 CET" in runs(card)
    assert body_text(card) == "We are investigating **errors** on the API."
    [facts] = elements(card, "FactSet")
    assert facts["facts"] == [{"title": "API", "value": "Major outage"}]
    assert [(a["type"], a["title"], a["url"]) for a in card["actions"]] == [
        ("Action.OpenUrl", "View details", INCIDENT_URL),
        ("Action.OpenUrl", "Unsubscribe", notice().unsubscribe_url),
        ("Action.OpenUrl", "Manage subscription", notice().manage_url),
    ]
    footer = card["body"][-1]
    assert footer["inlines"][0]["text"].startswith("Example Status")
    assert footer["inlines"][0]["selectAction"]["url"] == "https://status.example.com"


@pytest.mark.parametrize(
    ("tone", "style", "colour"),
    [
        ("resolved", "good", "good"),
        ("maintenance", "accent", "accent"),
        ("minor", "warning", "warning"),
        ("major", "attention", "attention"),
        ("critical", "attention", "attention"),
        ("none", "emphasis", "default"),
    ],
)
def test_a_teams_card_takes_the_colour_of_its_tone(tone, style, colour):
    card = the_card(TeamsTransport().payload(notice(tone=tone)))

    band = card["body"][0]
    assert band["style"] == style
    assert band["items"][0]["color"] == colour


def test_a_maintenance_card_shows_its_window_and_a_resolved_one_its_duration():
    maintenance = the_card(
        TeamsTransport().payload(
            notice(heading="Scheduled maintenance", window="3 Dec 2026, 22:00 to 23:00 CET")
        )
    )
    resolved = the_card(
        TeamsTransport().payload(notice(heading="Resolved", tone="resolved", duration="2 hours"))
    )

    assert "Window: 3 Dec 2026, 22:00 to 23:00 CET · Posted 2 Dec 2026, 07:40 CET" in runs(
        maintenance
    )
    assert "Posted 2 Dec 2026, 07:40 CET · Lasted 2 hours" in runs(resolved)


def test_the_test_message_to_a_new_teams_channel_is_a_valid_card(page):
    subscriber = Subscriber.objects.create(
        page=page, channel=Channel.TEAMS, endpoint="https://example.com/workflow"
    )

    card = the_card(TeamsTransport().payload(notices.test_notice(subscriber)))

    assert card["body"][0]["items"][0]["text"] == "Subscribed"
    assert not elements(card, "FactSet")
    assert card["actions"][1]["url"].endswith("/unsubscribe")


def test_teams_gets_the_markdown_it_renders_and_the_rest_as_plain_text():
    markdown = (
        "## Next steps\n\n"
        "We **rolled back** the _deploy_ and see [the graphs](https://grafana.example.com/d/1).\n\n"
        "- EU is fine\n- US is *recovering*\n\n"
        "3. restart\n4. watch\n\n"
        "> quoted\n\n"
        "`code` ~~gone~~ ![diagram](https://example.com/d.png)\n\n"
        "| Region | State |\n|---|---|\n| EU | ok |\n\n"
        "```\nerror 500\n```\n\n"
        "[click](javascript:alert(1)) <b>raw</b>\n\n---\n"
    )

    converted = teams_markdown(markdown, limit=10_000, more_url=INCIDENT_URL, more_label="More")

    assert converted.split("\n\n") == [
        "**Next steps**",
        "We **rolled back** the _deploy_ and see [the graphs](https://grafana.example.com/d/1).",
        "- EU is fine\n- US is _recovering_",
        "3. restart\n4. watch",
        "quoted",
        "code gone diagram",
        "**Region** · **State**",
        "EU · ok",
        "error 500",
        "\\[click\\](javascript:alert(1)) \\<b\\>raw\\</b\\>",
    ]


def test_text_that_looks_like_markdown_is_shown_as_typed_in_teams():
    name = "App_Pool_01 *prod* [EU] #1 &amp; <at>all</at>"
    payload = TeamsTransport().payload(
        notice(
            heading="1. Major outage",
            name=name,
            components=[{"name": name, "status": "Major outage"}],
        )
    )
    card = the_card(payload)

    # Names go in text runs, which Teams never reads as Markdown.
    assert name in runs(card)
    # Facts and TextBlocks are Markdown: there it is escaped, and reads back as typed.
    [facts] = elements(card, "FactSet")
    assert shown_literally(facts["facts"][0]["title"]) == name
    assert shown_literally(card["body"][0]["items"][0]["text"]) == "1. Major outage"


def test_a_link_in_teams_cannot_break_out_of_its_parentheses():
    converted = teams_markdown(
        "[docs](<https://example.com/a b(c)>)",
        limit=1000,
        more_url=INCIDENT_URL,
        more_label="More",
    )

    assert converted == "[docs](https://example.com/a%20b%28c%29)"
    [_, inline, _] = MarkdownIt("commonmark").parse(converted)
    link = (inline.children or [])[0]
    assert link.type == "link_open"
    assert link.attrGet("href") == "https://example.com/a%20b%28c%29"


def test_a_long_teams_update_is_cut_with_an_ellipsis_and_a_link_to_the_rest():
    paragraph = "The **database** failover is still running; we will post again soon. " * 20
    body = "\n\n".join([paragraph] * 40)

    payload = TeamsTransport().payload(notice(body=body))
    card = the_card(payload)

    text = body_text(card)
    kept, cut, more = text.rsplit("\n\n", 2)
    assert more == f"[Read the full update]({INCIDENT_URL})"
    assert cut.endswith("…")
    assert "**" not in cut  # the part that was cut is plain text, not half a bold run
    assert kept.startswith("The **database** failover")
    assert len(text) < len(body)


@pytest.mark.parametrize("char", ["*", "_", "é", "🔥", "\\", '"'])
def test_a_teams_card_stays_within_the_size_limit_whatever_the_body_and_components(char):
    components = [{"name": char * 300, "status": "Major outage"} for _ in range(60)]

    payload = TeamsTransport().payload(
        notice(body=(char * 70 + " x ") * 2000, name=char * 1000, components=components)
    )
    card = the_card(payload)

    [facts] = elements(card, "FactSet")
    assert facts["facts"][-1] == {"title": "…", "value": "and 40 more"}
    assert body_text(card).endswith(f"[Read the full update]({INCIDENT_URL})")


# Google Chat cards ------------------------------------------------------------------------


def test_a_google_chat_message_is_a_card_with_everything_the_update_says_and_a_text_line():
    payload = GoogleChatTransport().payload(notice())
    card = the_chat_message(payload)

    assert payload["text"] == "Major outage: Elevated API errors"
    assert card["header"] == {
        "title": "Elevated API errors",
        "subtitle": "Major outage · Example Status",
    }
    texts = formatted(card)
    assert texts[0] == '<b><font color="#e36209">Major outage</font></b>'
    assert "2 Dec 2026, 07:40 CET" in texts
    assert "We are investigating <b>errors</b> on the API." in texts
    assert '<b>API</b>: <font color="#cf222e">Major outage</font>' in texts
    assert card["sections"][1]["header"] == "Affected components"
    assert buttons(card) == {
        "View details": INCIDENT_URL,
        "Unsubscribe": notice().unsubscribe_url,
        "Manage subscription": notice().manage_url,
    }


def test_google_chat_gets_its_html_subset_and_the_rest_as_plain_text():
    markdown = (
        "## Next steps\n\n"
        "We **rolled back** the _deploy_, see [graphs](https://grafana.example.com/d?a=1&b=2).\n\n"
        "- EU is fine\n- US is recovering\n\n"
        "`code` ~~gone~~ ![diagram](https://example.com/d.png)\n\n"
        "[click](javascript:alert(1))"
    )

    converted = google_chat_html(markdown, limit=10_000, more_url=INCIDENT_URL, more_label="More")

    assert converted == (
        "<b>Next steps</b><br><br>"
        "We <b>rolled back</b> the <i>deploy</i>, see "
        '<a href="https://grafana.example.com/d?a=1&amp;b=2">graphs</a>.<br><br>'
        "• EU is fine<br>• US is recovering<br><br>"
        "code gone diagram<br><br>"
        "[click](javascript:alert(1))"
    )
    read_chat_html(converted)


def test_html_and_mentions_from_the_operator_are_shown_as_typed_in_google_chat():
    hostile = 'Fix <script>alert(1)</script> & <a href="https://evil.example">x</a> <users/all>'
    payload = GoogleChatTransport().payload(
        notice(name=hostile, body=hostile, components=[{"name": hostile, "status": "Operational"}])
    )
    card = the_chat_message(payload)

    body = next(t for t in formatted(card) if "Fix" in t and "<b>" not in t)
    parsed = read_chat_html(body)
    assert parsed.tags == []
    assert "".join(parsed.text) == hostile
    # The text line is plain, with nothing Chat would read as a mention or a link.
    assert "<" not in payload["text"]
    assert ">" not in payload["text"]
    assert "users/all" in payload["text"]


def test_a_long_google_chat_update_is_cut_with_an_ellipsis_and_a_link_to_the_rest():
    body = "\n\n".join(["Still **failing over** the database & its replicas. " * 30] * 60)

    card = the_chat_message(GoogleChatTransport().payload(notice(body=body)))

    text = next(t for t in formatted(card) if t.startswith("Still"))
    assert text.endswith(f'…<br><br><a href="{INCIDENT_URL}">Read the full update</a>')
    parsed = read_chat_html(text)
    assert "".join(parsed.text).startswith("Still failing over the database & its replicas.")


@pytest.mark.parametrize("char", ["<", "&", "é", "🔥", "\\", '"'])
def test_a_google_chat_message_stays_within_the_limits_whatever_the_body(char):
    components = [{"name": char * 300, "status": "Partial outage"} for _ in range(150)]

    payload = GoogleChatTransport().payload(
        notice(body=(char * 70 + " x ") * 3000, name=char * 5000, components=components)
    )
    card = the_chat_message(payload)

    assert len(card["sections"][1]["widgets"]) == 21
    assert formatted(card)[-2] == "and 130 more"


def test_the_test_message_to_a_new_google_chat_space_is_a_valid_card(page):
    subscriber = Subscriber.objects.create(
        page=page, channel=Channel.GOOGLE_CHAT, endpoint="https://chat.googleapis.com/v1/x"
    )

    payload = GoogleChatTransport().payload(notices.test_notice(subscriber))
    card = the_chat_message(payload)

    assert payload["text"].startswith("Subscribed: ")
    assert len(card["sections"]) == 2  # no components


# The providers' answers ------------------------------------------------------------------


def answer(status: int, body: dict[str, Any] | None = None, wait: float | None = None) -> Answer:
    return Answer(status, json.dumps(body) if body else "", wait)


@pytest.mark.parametrize(
    ("reply", "outcome", "retry_after"),
    [
        (providers.TEAMS_ACCEPTED, Outcome.SENT, None),
        (providers.Reply(200), Outcome.SENT, None),
        (providers.TEAMS_FLOW_DELETED, Outcome.PERMANENT, None),
        (providers.TEAMS_BAD_CARD, Outcome.TEMPORARY, None),
        (providers.teams_throttled(30), Outcome.TEMPORARY, 30.0),
        (providers.Reply(502), Outcome.TEMPORARY, None),
    ],
)
def test_teams_answers_are_read_as_teams_means_them(reply, outcome, retry_after):
    wait = float(reply.headers["Retry-After"]) if "Retry-After" in reply.headers else None

    result = TeamsTransport().result(answer(reply.status, reply.body, wait))

    assert result.outcome == outcome
    assert result.retry_after == retry_after
    if reply.status == 400:
        assert "TriggerInputSchemaMismatch" in result.error


@pytest.mark.parametrize(
    ("reply", "outcome", "retry_after"),
    [
        (providers.Reply(200, {"name": "spaces/AAAA/messages/1"}), Outcome.SENT, None),
        (providers.GOOGLE_NOT_FOUND, Outcome.PERMANENT, None),
        (providers.GOOGLE_PERMISSION_DENIED, Outcome.PERMANENT, None),
        (providers.google_throttled(45), Outcome.TEMPORARY, 45.0),
        (
            providers.google_error(403, "PERMISSION_DENIED", "Quota exceeded for quota metric"),
            Outcome.TEMPORARY,
            None,
        ),
        (providers.google_error(400, "INVALID_ARGUMENT", "Invalid card"), Outcome.TEMPORARY, None),
        (
            providers.google_error(503, "UNAVAILABLE", "The service is unavailable."),
            Outcome.TEMPORARY,
            None,
        ),
    ],
)
def test_google_chat_answers_are_read_as_google_means_them(reply, outcome, retry_after):
    wait = float(reply.headers["Retry-After"]) if "Retry-After" in reply.headers else None

    result = GoogleChatTransport().result(answer(reply.status, reply.body, wait))

    assert result.outcome == outcome
    assert result.retry_after == retry_after
    if reply.status != 200:
        assert reply.body["error"]["status"] in result.error


# End to end ------------------------------------------------------------------------------


@pytest.fixture
def teams(settings, stop_at_end):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    settings.NOTIFY_RATE_PER_SECOND = 1000
    return stop_at_end(ChatProviderServer("teams").start())


@pytest.fixture
def google_chat(settings, stop_at_end):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    settings.NOTIFY_RATE_PER_SECOND = 1000
    return stop_at_end(ChatProviderServer("google_chat").start())


def chat_subscriber(page, channel: str, endpoint: str) -> Subscriber:
    return Subscriber.objects.create(
        page=page,
        channel=channel,
        endpoint=endpoint,
        state=SubscriberState.ACTIVE,
        confirmed_at=timezone.now(),
    )


def test_an_incident_update_reaches_teams_and_google_chat_as_their_cards(
    teams, google_chat, page, api
):
    in_teams = chat_subscriber(page, Channel.TEAMS, teams.url)
    in_chat = chat_subscriber(page, Channel.GOOGLE_CHAT, google_chat.url)
    incident = open_api_incident(page, api)
    deliver_all()

    post_identified(
        incident,
        "A bad **deploy** _in EU_:\n\n- rolled back\n- [status](https://grafana.example.com)",
        component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
    )
    deliver_all()

    assert len(teams.requests) == 2
    assert (
        teams.requests[0]["path"] == "/workflows/abc123/triggers/manual/paths/invoke?api-version=1"
    )
    assert teams.requests[0]["headers"]["Content-Type"] == "application/json; charset=utf-8"
    opened, update = (the_card(body) for body in teams.bodies())
    assert body_text(opened) == "We are investigating **errors** on the API."
    assert update["body"][0]["items"][0]["text"] == "Major outage"
    assert "Elevated API errors" in runs(update)
    assert body_text(update) == (
        "A bad **deploy** _in EU_:\n\n- rolled back\n- [status](https://grafana.example.com)"
    )
    assert elements(update, "FactSet")[0]["facts"] == [{"title": "API", "value": "Major outage"}]
    incident_url = f"https://status.example.com{incident.get_absolute_url()}"
    actions = {a["title"]: a["url"] for a in update["actions"]}
    assert actions["View details"] == incident_url
    assert actions["Unsubscribe"].startswith("https://status.example.com/")

    assert len(google_chat.requests) == 2
    assert google_chat.requests[1]["path"] == (
        "/v1/spaces/AAAA/messages?key=test-key&token=test-token"
    )
    payload = google_chat.bodies()[1]
    card = the_chat_message(payload)
    assert payload["text"] == "Major outage: Elevated API errors"
    assert (
        "A bad <b>deploy</b> <i>in EU</i>:<br><br>• rolled back<br>"
        '• <a href="https://grafana.example.com">status</a>'
    ) in formatted(card)
    assert buttons(card)["View details"] == incident_url
    # Each subscriber's own unsubscribe link.
    assert buttons(card)["Unsubscribe"] != actions["Unsubscribe"]

    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    for subscriber in (in_teams, in_chat):
        subscriber.refresh_from_db()
        assert subscriber.state == SubscriberState.ACTIVE


@pytest.mark.parametrize(
    ("provider", "channel", "reply"),
    [
        ("teams", Channel.TEAMS, providers.TEAMS_FLOW_DELETED),
        ("google_chat", Channel.GOOGLE_CHAT, providers.GOOGLE_NOT_FOUND),
        ("google_chat", Channel.GOOGLE_CHAT, providers.GOOGLE_PERMISSION_DENIED),
    ],
)
def test_a_deleted_workflow_or_space_suppresses_its_subscriber_and_hears_no_more(
    request, provider, channel, reply, page, api
):
    server = request.getfixturevalue(provider)
    server.script = [reply]
    subscriber = chat_subscriber(page, channel, server.url)

    incident = open_api_incident(page, api)
    deliver_all()
    post_identified(incident, "Found it.")
    deliver_all()

    assert len(server.requests) == 1
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.SUPPRESSED
    assert str(reply.status) in subscriber.suppressed_reason
    first = Delivery.objects.order_by("id")[0]
    assert first.status == DeliveryStatus.SUPPRESSED
    assert first.attempts == 1


@pytest.mark.parametrize(
    ("provider", "channel", "failure"),
    [
        ("teams", Channel.TEAMS, providers.teams_throttled(30)),
        ("google_chat", Channel.GOOGLE_CHAT, providers.google_throttled(30)),
        ("teams", Channel.TEAMS, providers.Reply(503)),
        ("google_chat", Channel.GOOGLE_CHAT, providers.google_error(500, "INTERNAL", "Oops")),
        ("teams", Channel.TEAMS, providers.TEAMS_BAD_CARD),
    ],
)
def test_a_throttled_or_failing_provider_is_retried_later_and_the_message_arrives_once(
    request, provider, channel, failure, page, api
):
    server = request.getfixturevalue(provider)
    success = providers.TEAMS_ACCEPTED if provider == "teams" else providers.Reply(200, {})
    server.script = [failure, success]
    subscriber = chat_subscriber(page, channel, server.url)

    open_api_incident(page, api)
    for event_id in OutboxEvent.objects.not_fanned_out().values_list("pk", flat=True):
        services.fan_out(event_id=event_id)
    tasks.send_due()

    delivery = Delivery.objects.get(subscriber=subscriber)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert str(failure.status) in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()

    deliver_all()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(server.requests) == 2
    # The same message again (its links signed anew).
    first, again = (
        re.sub(rb"/subscriptions/[^\"/]+", b"/subscriptions/TOKEN", r["body"])
        for r in server.requests
    )
    assert first == again
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_scheduled_maintenance_reaches_both_with_its_window(teams, google_chat, page, api):
    chat_subscriber(page, Channel.TEAMS, teams.url)
    chat_subscriber(page, Channel.GOOGLE_CHAT, google_chat.url)

    schedule_upgrade(page, timezone.now() + timedelta(days=1), components=[api])
    deliver_all()

    [card] = [the_card(body) for body in teams.bodies()]
    assert card["body"][0]["style"] == "accent"
    assert card["body"][0]["items"][0]["text"] == "Scheduled maintenance"
    assert any(text.startswith("Window: ") for text in runs(card))
    [payload] = google_chat.bodies()
    chat_card = the_chat_message(payload)
    assert payload["text"] == "Scheduled maintenance: Database upgrade"
    window = chat_card["sections"][0]["widgets"][1]["decoratedText"]
    assert window["topLabel"] == "Window"
    assert " to " in window["text"]


@pytest.mark.parametrize(
    ("provider", "channel"), [("teams", Channel.TEAMS), ("google_chat", Channel.GOOGLE_CHAT)]
)
def test_a_new_chat_subscriber_is_confirmed_by_a_test_message_its_channel_accepts(
    request, provider, channel, page
):
    server = request.getfixturevalue(provider)
    subscriber = Subscriber.objects.create(
        page=page, channel=channel, endpoint=server.url, confirmation_due=True
    )

    tasks.send_confirmation(subscriber.pk)

    [body] = server.bodies()
    if provider == "teams":
        assert the_card(body)["body"][0]["items"][0]["text"] == "Subscribed"
    else:
        assert the_chat_message(body)["header"]["subtitle"] == "Subscribed · Example Status"
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_a_test_message_google_chat_refuses_leaves_the_subscriber_unconfirmed(google_chat, page):
    google_chat.script = [providers.GOOGLE_NOT_FOUND]
    subscriber = Subscriber.objects.create(
        page=page, channel=Channel.GOOGLE_CHAT, endpoint=google_chat.url, confirmation_due=True
    )

    tasks.send_confirmation(subscriber.pk)

    assert len(google_chat.requests) == 1
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNCONFIRMED
