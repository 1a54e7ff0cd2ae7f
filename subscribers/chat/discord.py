"""Discord: webhook URLs (https://discord.com/api/webhooks/<id>/<token>), one embed per update.

The embed's title links to the incident, its colour is the status colour, its description the
update's body in Discord's Markdown followed by the links line (details, manage, unsubscribe),
each affected component a field, and the page and time its footer. Mentions are never parsed
(`allowed_mentions`). Discord answers 204, or JSON errors (`{"message": "Unknown Webhook",
"code": 10015}`, 429 with `retry_after`); a deleted webhook or token suppresses the subscriber.
"""

import json
from typing import Any

from ..transports import Answer
from . import markdown as md
from .markdown import DISCORD, units
from .notice import ChatNotice, wording
from .transport import ChatTransport

# Discord's published embed limits (discord.com/developers/docs/resources/message#embed-object).
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
TOTAL = 6000
CONTENT = 2000

# Unknown Webhook, Invalid Webhook Token, Unknown Channel.
GONE_CODES = {10015, 50027, 10003}


def _literal(text: str, size: int) -> str:
    """Text shown as it is (titles, field names and footers barely read Markdown, and a
    backslash would show): only @everyone and @here are broken."""
    return DISCORD.cut(md.MENTIONS.sub("@\u200b\\1", text), size)


def _fields(components: list[dict[str, str]]) -> list[dict[str, Any]]:
    rows = [
        {
            "name": _literal(c.get("name", ""), FIELD_NAME) or "—",
            "value": _literal(c.get("status", ""), FIELD_VALUE) or "—",
            "inline": True,
        }
        for c in components
    ]
    if len(rows) > FIELDS:
        rest = len(rows) - (FIELDS - 1)
        rows = [*rows[: FIELDS - 1], {"name": "…", "value": f"and {rest} more", "inline": True}]
    return rows


def discord_message(notice: ChatNotice) -> dict[str, Any]:
    words = wording(notice)
    title = _literal(words.title, TITLE)
    footer = _literal(words.byline, FOOTER)
    fields = _fields(notice.components)
    links = md.fit(md.blocks(words.links, DISCORD), DESCRIPTION // 2, DISCORD).text
    used = units(title) + units(footer) + sum(units(f["name"]) + units(f["value"]) for f in fields)
    room = min(DESCRIPTION, TOTAL - used) - units(links) - 2
    body = md.blocks(words.details, DISCORD) + md.blocks(notice.body, DISCORD)
    text = md.fit(body, room, DISCORD, md.discord(words.more)).text if body and room > 0 else ""
    embed: dict[str, Any] = {
        "title": title,
        "description": f"{text}\n\n{links}" if text else links,
        "color": int(notice.colour.lstrip("#"), 16),
        "footer": {"text": footer},
    }
    url = md.safe_url(notice.url)
    if url:
        embed["url"] = url
    if fields:
        embed["fields"] = fields
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def _error(answer: Answer) -> dict[str, Any]:
    try:
        found = json.loads(answer.excerpt)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class DiscordTransport(ChatTransport):
    provider = "discord"
    label = "Discord"

    def payload(self, notice: ChatNotice) -> dict[str, Any]:
        return discord_message(notice)

    def gone(self, answer: Answer) -> bool:
        if super().gone(answer):
            return True
        return answer.status in (401, 403) and _error(answer).get("code") in GONE_CODES

    def wait(self, answer: Answer) -> float | None:
        """The body's `retry_after` (seconds, with a fraction) is more exact than the header."""
        after = _error(answer).get("retry_after")
        if isinstance(after, int | float) and 0 <= after <= 86400:
            return float(after)
        return answer.retry_after

    def describe(self, answer: Answer) -> str:
        error = _error(answer)
        message = error.get("message")
        if isinstance(message, str):
            code = error.get("code")
            said = f"{message} (code {code})" if code else message
        else:
            said = answer.excerpt.strip()[:200]
        return self.answered(answer, said)
