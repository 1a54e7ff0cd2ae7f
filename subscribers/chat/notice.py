"""What a chat message says, whatever the provider: one `ChatNotice` per subscriber and event."""

from dataclasses import dataclass, field
from typing import Any

from ..messages import EventMessage, manage_url, unsubscribe_url
from ..models import Subscriber

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
    return ChatNotice(
        page_name=page.name,
        page_url=page.url,
        heading="Subscribed",
        name=f"{page.name} will post its incidents and maintenance here",
        url=page.url,
        body="This is a test message: the channel is connected.",
        when="",
        tone="resolved",
        unsubscribe_url=unsubscribe_url(subscriber),
        manage_url=manage_url(subscriber),
        is_test=True,
    )
