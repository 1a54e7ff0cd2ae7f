"""Slack: incoming-webhook URLs (https://hooks.slack.com/services/…), one Block Kit message per
update.

The title links to the incident above an attachment in the status colour that holds the body
(mrkdwn), the affected components and a context line (page, time, manage and unsubscribe
links). Slack answers in plain text: 200 "ok", or a status with an error code (`no_service`,
`channel_not_found`, `invalid_token`…); those that mean the webhook is gone suppress it.
"""

from typing import Any

from ..transports import Answer
from . import markdown as md
from .markdown import SLACK
from .notice import ChatNotice, wording
from .transport import ChatTransport

# Block Kit's published limits (api.slack.com/reference/block-kit/blocks).
MAX_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
# A title longer than this is cut: it is one line above the message.
TITLE_UNITS = 300

# Error codes that mean the webhook (or its workspace or channel) is gone for good.
GONE = {
    "no_service",
    "channel_not_found",
    "channel_is_archived",
    "invalid_token",
    "token_revoked",
    "no_team",
    "team_disabled",
    "account_inactive",
}
EXPLAINED = {
    "no_service": "the webhook is disabled, removed or mistyped",
    "channel_not_found": "the channel no longer exists",
    "channel_is_archived": "the channel is archived",
    "invalid_token": "the webhook's token is not valid (it was revoked or mistyped)",
    "token_revoked": "the webhook's token was revoked",
    "action_prohibited": "a workspace admin has restricted posting to this channel",
    "posting_to_general_channel_denied": "only admins may post to this channel",
    "invalid_payload": "Slack could not read the message",
    "team_disabled": "the workspace is disabled",
}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def slack_message(notice: ChatNotice) -> dict[str, Any]:
    words = wording(notice)
    title = SLACK.cut(SLACK.text(words.title), TITLE_UNITS)
    url = md.safe_url(notice.url)
    link = SLACK.link(url, title) if url else title
    body_blocks: list[dict[str, Any]] = []
    body = md.blocks(words.details, SLACK) + md.blocks(notice.body, SLACK)
    if body:
        more = md.slack(words.more)
        body_blocks.append(_section(md.fit(body, SECTION_TEXT, SLACK, more).text))
    if words.components:
        components = md.blocks(words.components, SLACK)
        body_blocks.append(_section(md.fit(components, SECTION_TEXT, SLACK).text))
    byline = SLACK.cut(SLACK.text(words.byline), SECTION_TEXT)
    links = md.fit(md.blocks(words.links, SLACK), SECTION_TEXT, SLACK).text
    body_blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": text} for text in (byline, links) if text.strip()
            ],
        }
    )
    # Shown in notifications and where blocks cannot be; blocks present, it is not displayed.
    named = words.title if notice.is_test else f"{words.title} ({notice.page_name})"
    fallback = SLACK.escape(named)
    return {
        "text": SLACK.cut(fallback, SECTION_TEXT),
        "blocks": [_section(f"*{link}*")],
        "attachments": [{"color": notice.colour, "fallback": fallback, "blocks": body_blocks}],
        "unfurl_links": False,
        "unfurl_media": False,
    }


def _code(answer: Answer) -> str:
    return answer.excerpt.strip().split()[0] if answer.excerpt.strip() else ""


class SlackTransport(ChatTransport):
    provider = "slack"
    label = "Slack"

    def payload(self, notice: ChatNotice) -> dict[str, Any]:
        return slack_message(notice)

    def gone(self, answer: Answer) -> bool:
        return super().gone(answer) or (answer.status == 403 and _code(answer) in GONE)

    def describe(self, answer: Answer) -> str:
        code = _code(answer)
        why = EXPLAINED.get(code)
        said = f"{code} ({why})" if why else answer.excerpt.strip()[:200]
        return self.answered(answer, said)
