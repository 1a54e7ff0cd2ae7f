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

import json
import re
from typing import Any

from django.template.loader import render_to_string

from ..transports import Answer, Outcome, Result
from .markdown_cards import json_size, teams_markdown, teams_plain
from .notice import ChatNotice
from .transport import ChatTransport

# The largest message a Teams webhook takes is 28 KB; the body gets what the rest leaves.
MESSAGE_LIMIT = 28_000
BODY_LIMIT = 12_000
# A page with many components lists the first ones and says how many more there are.
MAX_COMPONENTS = 20
NAME_LIMIT = 200
COMPONENT_NAME_LIMIT = 100

# Container style and TextBlock colour by tone (ChatNotice.tone).
STYLES = {
    "resolved": ("good", "good"),
    "maintenance": ("accent", "accent"),
    "none": ("emphasis", "default"),
    "minor": ("warning", "warning"),
    "major": ("attention", "attention"),
    "critical": ("attention", "attention"),
}

VIEW = "View details"
UNSUBSCRIBE = "Unsubscribe"
MANAGE = "Manage subscription"
READ_MORE = "Read the full update"
AFFECTED = "Affected components"


def _short(text: str, limit: int = NAME_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
            "title": teams_plain(_short(row.get("name", ""), COMPONENT_NAME_LIMIT)),
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
            "text": teams_plain(_short(notice.heading)),
            "color": colour,
            "weight": "bolder",
            "wrap": True,
        },
        _rich(_run(_short(notice.name, 300), size="large", weight="bolder")),
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
    actions = [_open(VIEW, notice.url)] if notice.url else []
    if notice.unsubscribe_url:
        actions.append(_open(UNSUBSCRIBE, notice.unsubscribe_url))
    if notice.manage_url:
        actions.append(_open(MANAGE, notice.manage_url))
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.5",
        "fallbackText": _short(f"{notice.heading}: {notice.name}", 300),
        "body": items,
        "actions": actions,
    }


def message(content: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": content,
            }
        ],
    }


def _size(data: dict[str, Any]) -> int:
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


ERROR_MESSAGE = re.compile(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)')
ERROR_CODE = re.compile(r'"code"\s*:\s*"((?:[^"\\]|\\.)*)"')


class TeamsTransport(ChatTransport):
    provider = "teams"

    def payload(self, notice: ChatNotice) -> dict[str, Any]:
        # What the card takes without the body, so the body gets exactly the room left.
        fixed = _size(message(card(notice, "")))
        room = min(BODY_LIMIT, MESSAGE_LIMIT - fixed - 64)
        body = teams_markdown(notice.body, limit=room, more_url=notice.url, more_label=READ_MORE)
        if body and json_size(body) > room:  # not even the ellipsis and link fit
            body = ""
        return message(card(notice, body))

    def result(self, answer: Answer) -> Result:
        if answer.status == 400:
            # The workflow refused the card: say why. Retried like any failure, and never a
            # reason to drop the subscriber, whose workflow is fine.
            code = ERROR_CODE.search(answer.excerpt)
            text = ERROR_MESSAGE.search(answer.excerpt)
            reason = ": ".join(m.group(1) for m in (code, text) if m) or answer.excerpt
            return Result(Outcome.TEMPORARY, f"HTTP 400 Teams refused the card: {reason}"[:1000])
        return super().result(answer)
