"""Google Chat: a space's incoming webhook URL
(https://chat.googleapis.com/v1/spaces/.../messages?key=...&token=...) takes a message with a
card (`cardsV2`) and a `text` line, which is also what notifications and previews show.

The card: a header (the title; the heading and the page), the status in its colour and when,
the update's Markdown in the HTML subset textParagraph renders, the affected components with
their status, a footer naming the page, and buttons to open the incident and to unsubscribe.
Everything the operator wrote is HTML-escaped; the header and `text` are plain text, and in
`text` angle brackets are replaced so that nothing becomes a mention (<users/all>) or a link.

Google Chat answers 200 with the message it created; 404 or 403 (NOT_FOUND, PERMISSION_DENIED)
once the space or the webhook is gone; 400 (INVALID_ARGUMENT) when it refuses the card; 429
(RESOURCE_EXHAUSTED) when throttled.
"""

import re
from typing import Any

from django.template.loader import render_to_string

from components.models import ComponentStatus

from .. import ratelimit
from ..transports import Answer, Outcome, Result
from .cards import (
    AFFECTED,
    COMPONENT_NAME_LIMIT,
    ERROR_MESSAGE,
    MAX_COMPONENTS,
    CardTransport,
    buttons,
    short,
)
from .markdown_cards import GOOGLE_CHAT, google_chat_plain
from .notice import TONE_COLOURS, ChatNotice

# A message, text and cards together, takes at most 32,000 bytes; a card shows at most 100
# widgets (the rest of its sections are dropped); `text`, one line, is kept well inside its
# 4,096 characters. With these caps the rest of the card leaves the body most of the room.
MESSAGE_LIMIT = 32_000
BODY_LIMIT = 16_000
TEXT_LIMIT = 400
CARD_ID = "beacon-notice"

STATUS_COLOURS = {
    ComponentStatus.OPERATIONAL.label: TONE_COLOURS["resolved"],
    ComponentStatus.UNDER_MAINTENANCE.label: TONE_COLOURS["maintenance"],
    ComponentStatus.DEGRADED_PERFORMANCE.label: TONE_COLOURS["minor"],
    ComponentStatus.PARTIAL_OUTAGE.label: TONE_COLOURS["major"],
    ComponentStatus.MAJOR_OUTAGE.label: TONE_COLOURS["critical"],
}


def _unmarked(text: str) -> str:
    """Plain text for `text`, where <users/all> would mention everyone and <url|x> link: angle
    brackets become single angle quotation marks, which look alike and mean nothing to Chat."""
    return text.replace("<", "\u2039").replace(">", "\u203a")


def _paragraph(html: str) -> dict[str, Any]:
    return {"textParagraph": {"text": html}}


def _button(label: str, url: str) -> dict[str, Any]:
    return {"text": label, "onClick": {"openLink": {"url": url}}}


def _coloured(text: str, colour: str) -> str:
    return f'<font color="{colour}">{google_chat_plain(text)}</font>'


def _status_widgets(notice: ChatNotice) -> list[dict[str, Any]]:
    widgets = [_paragraph(f"<b>{_coloured(short(notice.heading), notice.colour)}</b>")]
    for label, value in (
        ("Window", notice.window),
        ("Posted", notice.when),
        ("Lasted", notice.duration),
    ):
        if value:
            widgets.append(
                {"decoratedText": {"topLabel": label, "text": google_chat_plain(short(value))}}
            )
    return widgets


def _component_section(notice: ChatNotice) -> list[dict[str, Any]]:
    rows = [row for row in notice.components if row.get("status")]
    if not rows:
        return []
    widgets: list[dict[str, Any]] = []
    for row in rows[:MAX_COMPONENTS]:
        status = row["status"]
        colour = STATUS_COLOURS.get(status, TONE_COLOURS["none"])
        name = google_chat_plain(short(row.get("name", ""), COMPONENT_NAME_LIMIT))
        widgets.append({"decoratedText": {"text": f"<b>{name}</b>: {_coloured(status, colour)}"}})
    if len(rows) > MAX_COMPONENTS:
        widgets.append(_paragraph(f"and {len(rows) - MAX_COMPONENTS} more"))
    return [{"header": AFFECTED, "widgets": widgets}]


def card(notice: ChatNotice, body: str) -> dict[str, Any]:
    main = _status_widgets(notice)
    if body:
        main.append(_paragraph(body))
    links = [_button(label, url) for label, url in buttons(notice)]
    footer_text = render_to_string("chat/google_chat_footer.txt", {"notice": notice}).strip()
    footer: list[dict[str, Any]] = [
        _paragraph(f'<font color="{TONE_COLOURS["none"]}">{google_chat_plain(footer_text)}</font>')
    ]
    if links:
        footer.append({"buttonList": {"buttons": links}})
    return {
        "header": {
            "title": short(notice.name) or short(notice.heading),
            "subtitle": short(f"{notice.heading} · {notice.page_name}"),
        },
        "sections": [{"widgets": main}, *_component_section(notice), {"widgets": footer}],
    }


ERROR_STATUS = re.compile(r'"status"\s*:\s*"([A-Z_]+)"')
# Google APIs sometimes say "slow down" with a 403 rather than a 429.
QUOTA = re.compile(r"RESOURCE_EXHAUSTED|rateLimitExceeded|userRateLimitExceeded|[Qq]uota")


class GoogleChatTransport(CardTransport):
    provider = "google_chat"
    style = GOOGLE_CHAT
    message_limit = MESSAGE_LIMIT
    body_limit = BODY_LIMIT

    def build(self, notice: ChatNotice, body: str) -> dict[str, Any]:
        text = render_to_string("chat/google_chat_text.txt", {"notice": notice}).strip()
        return {
            "text": _unmarked(short(text, TEXT_LIMIT)),
            "cardsV2": [{"cardId": CARD_ID, "card": card(notice, body)}],
        }

    def result(self, answer: Answer) -> Result:
        if 200 <= answer.status < 300:
            return Result(Outcome.SENT)
        status = ERROR_STATUS.search(answer.excerpt)
        text = ERROR_MESSAGE.search(answer.excerpt)
        reason = " ".join(m.group(1) for m in (status, text) if m) or answer.excerpt
        error = f"HTTP {answer.status} {reason}".strip()[:1000]
        throttled = answer.status == 429 or (
            answer.status == 403 and QUOTA.search(answer.excerpt) is not None
        )
        if throttled:
            ratelimit.throttled(self.provider)
            return Result(Outcome.TEMPORARY, error, answer.retry_after)
        if answer.status in (403, 404, 410):
            # The space was deleted, the webhook removed, or the app taken out of the space.
            return Result(Outcome.PERMANENT, error)
        return Result(Outcome.TEMPORARY, error, answer.retry_after)
