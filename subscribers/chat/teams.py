"""Microsoft Teams: a workflow's webhook URL ("Post to a channel when a webhook request is
received", Power Automate) takes a message with one Adaptive Card 1.5 attachment.

The card: a band in the status colour (the heading, the title, when), the update's Markdown in
the TextBlock subset Teams renders, a FactSet of the affected components and their status, a
footer naming the page, and buttons to open the incident and to unsubscribe. Names and other
plain strings are shown through RichTextBlock runs, which Teams does not read as Markdown.

Teams answers 202 Accepted once the workflow has taken the message; 400 (with an error JSON)
when it refuses the card, which retrying will not change but which is no reason to drop the
subscriber; 404 once the workflow is deleted; 429 with Retry-After when throttled.
"""

import re
from typing import Any

from django.template.loader import render_to_string

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
from .markdown_cards import TEAMS, teams_plain
from .notice import ChatNotice

# The largest message a Teams webhook takes is 28 KB; the body gets what the rest leaves.
MESSAGE_LIMIT = 28_000
BODY_LIMIT = 12_000

# Container style and TextBlock colour by tone (ChatNotice.tone).
STYLES = {
    "resolved": ("good", "good"),
    "maintenance": ("accent", "accent"),
    "none": ("emphasis", "default"),
    "minor": ("warning", "warning"),
    "major": ("attention", "attention"),
    "critical": ("attention", "attention"),
}


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _rich(*runs: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": list(runs), **fields}


def _open(title: str, url: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def _details(notice: ChatNotice) -> str:
    parts = []
    if notice.window:
        parts.append(f"Window: {notice.window}")
    if notice.when:
        parts.append(f"Posted {notice.when}")
    if notice.duration:
        parts.append(f"Lasted {notice.duration}")
    return " · ".join(parts)


def _components(notice: ChatNotice) -> list[dict[str, Any]]:
    rows = notice.components
    if not rows:
        return []
    facts = [
        {
            "title": teams_plain(short(row.get("name", ""), COMPONENT_NAME_LIMIT)),
            "value": teams_plain(row["status"]),
        }
        for row in rows[:MAX_COMPONENTS]
        if row.get("status")
    ]
    if len(rows) > MAX_COMPONENTS:
        facts.append({"title": "…", "value": f"and {len(rows) - MAX_COMPONENTS} more"})
    if not facts:
        return []
    return [
        {"type": "TextBlock", "text": AFFECTED, "weight": "bolder", "separator": True},
        {"type": "FactSet", "facts": facts},
    ]


def card(notice: ChatNotice, body: str) -> dict[str, Any]:
    style, colour = STYLES.get(notice.tone, STYLES["none"])
    band: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": teams_plain(short(notice.heading)),
            "color": colour,
            "weight": "bolder",
            "wrap": True,
        },
        _rich(_run(short(notice.name, 300), size="large", weight="bolder")),
    ]
    details = _details(notice)
    if details:
        band.append(_rich(_run(details, isSubtle=True, size="small"), spacing="small"))
    items: list[dict[str, Any]] = [
        {"type": "Container", "style": style, "bleed": True, "items": band}
    ]
    if body:
        items.append({"type": "TextBlock", "text": body, "wrap": True})
    items += _components(notice)
    footer = render_to_string("chat/teams_footer.txt", {"notice": notice}).strip()
    link = {"type": "Action.OpenUrl", "url": notice.page_url} if notice.page_url else None
    run = _run(footer, isSubtle=True, size="small")
    if link:
        run["selectAction"] = link
    items.append(_rich(run, separator=True, spacing="medium"))
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.5",
        "fallbackText": short(f"{notice.heading}: {notice.name}", 300),
        "body": items,
        "actions": [_open(label, url) for label, url in buttons(notice)],
    }


ERROR_CODE = re.compile(r'"code"\s*:\s*"((?:[^"\\]|\\.)*)"')


class TeamsTransport(CardTransport):
    provider = "teams"
    style = TEAMS
    message_limit = MESSAGE_LIMIT
    body_limit = BODY_LIMIT

    def build(self, notice: ChatNotice, body: str) -> dict[str, Any]:
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card(notice, body),
                }
            ],
        }

    def result(self, answer: Answer) -> Result:
        if answer.status == 400:
            # The workflow refused the card: say why. Retried like any failure, and never a
            # reason to drop the subscriber, whose workflow is fine.
            code = ERROR_CODE.search(answer.excerpt)
            text = ERROR_MESSAGE.search(answer.excerpt)
            reason = ": ".join(m.group(1) for m in (code, text) if m) or answer.excerpt
            return Result(Outcome.TEMPORARY, f"HTTP 400 Teams refused the card: {reason}"[:1000])
        return super().result(answer)
