"""What a chat message says, whatever the provider: one `ChatNotice` per subscriber and event.

The wording comes from templates in subscribers/templates/chat/ (next to the email templates),
so an operator changes it in one place for every chat channel: plain text for titles and
bylines (`.txt`), Markdown for the rest (`.md`), which each provider's module converts to its
own formatting with `chat.markdown`. Values go into the Markdown templates escaped, so a name
holding `*` or `[` stays text.
"""

from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

from ..messages import EventMessage, manage_url, unsubscribe_url
from ..models import Subscriber
from .markdown import MARKDOWN

# Colours by tone (see messages.event_context): the page's own status colours.
TONE_COLOURS = {
    "resolved": "#2e7d32",
    "maintenance": "#1f6feb",
    "none": "#6e7781",
    "minor": "#d4a72c",
    "major": "#e36209",
    "critical": "#cf222e",
}


@dataclass(frozen=True)
class ChatNotice:
    page_name: str
    page_url: str
    # "Investigating", "Major outage", "Scheduled maintenance", "Postmortem"…
    heading: str
    # The incident's or maintenance's title, and the link to its page.
    name: str
    url: str
    # The update's body as the operator wrote it (Markdown); each provider converts it.
    body: str
    # When the update was posted, in the page's zone; a maintenance's window, an incident's
    # duration once resolved ("" otherwise).
    when: str
    window: str = ""
    duration: str = ""
    # The affected components and their new status: [{"name": "API", "status": "Major outage"}].
    components: list[dict[str, str]] = field(default_factory=list)
    tone: str = "none"
    unsubscribe_url: str = ""
    manage_url: str = ""
    # The test message sent when a channel is added.
    is_test: bool = False

    @property
    def colour(self) -> str:
        return TONE_COLOURS.get(self.tone, TONE_COLOURS["none"])


def notice_for(message: EventMessage, subscriber: Subscriber) -> ChatNotice:
    context: dict[str, Any] = message.context
    page = subscriber.page
    return ChatNotice(
        page_name=page.name,
        page_url=page.url,
        heading=str(context.get("heading", "")),
        name=str(context.get("name", "")),
        url=str(context.get("url", page.url)),
        body=str(context.get("body", "")),
        when=str(context.get("when", "")),
        window=str(context.get("window", "")),
        duration=str(context.get("duration", "")),
        components=list(context.get("components", [])),
        tone=str(context.get("tone", "none")),
        unsubscribe_url=unsubscribe_url(subscriber),
        manage_url=manage_url(subscriber),
    )


def test_notice(subscriber: Subscriber) -> ChatNotice:
    """The message a new chat subscriber gets at once, so they see it works."""
    page = subscriber.page
    scope = [] if subscriber.all_components else [c.name for c in subscriber.components.all()]
    body = render_to_string(
        "chat/test.md",
        {"page_name": MARKDOWN.escape(page.name), "scope": MARKDOWN.escape(", ".join(scope))},
    )
    return ChatNotice(
        page_name=page.name,
        page_url=page.url,
        heading="Subscribed",
        name=page.name,
        url=page.url,
        body=body.strip(),
        when="",
        tone="resolved",
        unsubscribe_url=unsubscribe_url(subscriber),
        manage_url=manage_url(subscriber),
        is_test=True,
    )


@dataclass(frozen=True)
class Wording:
    """The parts of a chat message around the update's body, from the chat templates."""

    # Plain text: "Major outage: API errors", "Example Status · Dec 2, 06:30 UTC".
    title: str
    byline: str
    # Markdown: the maintenance window, the affected components, the links line (details,
    # manage, unsubscribe) and the "read the full update" link that ends a shortened body.
    details: str
    components: str
    links: str
    more: str


def wording(notice: ChatNotice) -> Wording:
    plain = {
        "page_name": notice.page_name,
        "heading": notice.heading,
        "name": notice.name,
        "when": notice.when,
        "duration": notice.duration,
        "is_test": notice.is_test,
    }
    escaped = {
        "page_name": MARKDOWN.escape(notice.page_name),
        "window": MARKDOWN.escape(notice.window),
        "components": [
            {
                "name": MARKDOWN.escape(c.get("name", "")),
                "status": MARKDOWN.escape(c.get("status", "")),
            }
            for c in notice.components
        ],
        "url": notice.url,
        "manage_url": notice.manage_url,
        "unsubscribe_url": notice.unsubscribe_url,
        "is_test": notice.is_test,
    }

    def render(name: str, context: dict[str, Any]) -> str:
        return (
            " ".join(render_to_string(name, context).split())
            if name.endswith(".txt")
            else (render_to_string(name, context).strip())
        )

    return Wording(
        title=render("chat/title.txt", plain),
        byline=render("chat/byline.txt", plain),
        details=render("chat/details.md", escaped),
        components=render("chat/components.md", escaped),
        links=render("chat/links.md", escaped),
        more=render("chat/more.md", escaped),
    )
