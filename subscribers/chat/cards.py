"""What the card providers (Microsoft Teams, Google Chat) share: the words and buttons of their
cards, the caps on names and components, and the update's body fitted into the room the rest of
the message leaves (`CardTransport`)."""

import json
import re
from typing import Any, ClassVar

from .markdown_cards import Style, json_size, render
from .notice import ChatNotice
from .transport import ChatTransport

# A page with many components lists the first ones and says how many more there are.
MAX_COMPONENTS = 20
NAME_LIMIT = 200
COMPONENT_NAME_LIMIT = 100

VIEW = "View details"
UNSUBSCRIBE = "Unsubscribe"
MANAGE = "Manage subscription"
READ_MORE = "Read the full update"
AFFECTED = "Affected components"

# The "message" of a provider's error JSON.
ERROR_MESSAGE = re.compile(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)')


def short(text: str, limit: int = NAME_LIMIT) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def buttons(notice: ChatNotice) -> list[tuple[str, str]]:
    """The card's buttons as (label, URL): the incident, unsubscribe, manage, where there is one."""
    found = ((VIEW, notice.url), (UNSUBSCRIBE, notice.unsubscribe_url), (MANAGE, notice.manage_url))
    return [(label, url) for label, url in found if url]


def json_bytes(data: dict[str, Any]) -> int:
    """The bytes `data` takes as the transport sends it (compact JSON, UTF-8)."""
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


class CardTransport(ChatTransport):
    """A provider whose message is a card: `build` makes it around a body already in `style`,
    and the body gets the room the rest leaves under `message_limit`, at most `body_limit`."""

    style: ClassVar[Style]
    message_limit: ClassVar[int]
    body_limit: ClassVar[int]

    def build(self, notice: ChatNotice, body: str) -> dict[str, Any]:
        raise NotImplementedError

    def payload(self, notice: ChatNotice) -> dict[str, Any]:
        # What the message takes without the body, so the body gets exactly the room left.
        fixed = json_bytes(self.build(notice, ""))
        room = min(self.body_limit, self.message_limit - fixed - 64)
        body = render(
            notice.body, self.style, limit=room, more_url=notice.url, more_label=READ_MORE
        )
        if body and json_size(body) > room:  # not even the ellipsis and link fit
            body = ""
        return self.build(notice, body)
