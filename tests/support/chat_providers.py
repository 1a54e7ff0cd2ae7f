"""Local HTTP servers that answer as chat providers' incoming webhooks do.

`ChatProvider("slack")` answers as Slack does (200 "ok"; 404 "no_service"; 403 "invalid_token";
410 "channel_is_archived"; 429 "rate_limited" with Retry-After), `ChatProvider("discord")` as
Discord does (204; 404 {"message": "Unknown Webhook", "code": 10015}; 429 JSON with
`retry_after` and a Retry-After header). Each POST gets the next answer of `script` (then the
last one again); `requests` keeps what was posted. Point a channel at it with `chat_hosts`.
"""

import threading
import time
from typing import Any

from tests.support.receivers import Answer, LocalHTTPServer, Request, json_answer, scripted

# Answer name -> (status, headers, body), per provider.
SLACK_ANSWERS: dict[str, Answer] = {
    "ok": (200, {"Content-Type": "text/html"}, b"ok"),
    "no_service": (404, {"Content-Type": "text/html"}, b"no_service"),
    "channel_not_found": (404, {"Content-Type": "text/html"}, b"channel_not_found"),
    "invalid_token": (403, {"Content-Type": "text/html"}, b"invalid_token"),
    "action_prohibited": (403, {"Content-Type": "text/html"}, b"action_prohibited"),
    "channel_is_archived": (410, {"Content-Type": "text/html"}, b"channel_is_archived"),
    "invalid_payload": (400, {"Content-Type": "text/html"}, b"invalid_payload"),
    "rate_limited": (429, {"Content-Type": "text/html", "Retry-After": "30"}, b"rate_limited"),
    "rollup_error": (500, {"Content-Type": "text/html"}, b"rollup_error"),
}


DISCORD_ANSWERS: dict[str, Answer] = {
    "ok": (204, {}, b""),
    "unknown_webhook": json_answer(404, {"message": "Unknown Webhook", "code": 10015}),
    "invalid_token": json_answer(401, {"message": "Invalid Webhook Token", "code": 50027}),
    "invalid_form_body": json_answer(
        400,
        {
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": {
                "embeds": {"0": {"description": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH"}]}}}
            },
        },
    ),
    "rate_limited": json_answer(
        429,
        {"message": "You are being rate limited.", "retry_after": 12.5, "global": False},
        {"Retry-After": "13", "X-RateLimit-Scope": "user"},
    ),
    "server_error": json_answer(502, {"message": "Bad Gateway", "code": 0}),
}
ANSWERS = {"slack": SLACK_ANSWERS, "discord": DISCORD_ANSWERS}
PATHS = {"slack": "/services/T0001/B0001/abcdEFGH1234", "discord": "/api/webhooks/1234567/tok-EN_1"}


class ChatProvider(LocalHTTPServer):
    """A provider's webhook endpoint on a free port of 127.0.0.1, serving from its own thread.

    `script` holds answer names (see SLACK_ANSWERS / DISCORD_ANSWERS), or "slow" (no answer for
    `slow_seconds`, then "ok")."""

    def __init__(self, provider: str, slow_seconds: float = 30.0) -> None:
        super().__init__()
        self.provider = provider
        self.answers = ANSWERS[provider]
        self.script: list[str] = ["ok"]
        self.slow_seconds = slow_seconds
        self.stopping = threading.Event()

    def answer(self, request: Request) -> Answer:
        name = scripted(self.script, self.record_request(request))
        if name == "slow":
            self.stopping.wait(self.slow_seconds)
            name = "ok"
        return self.answers[name]

    def stop(self) -> None:
        self.stopping.set()
        super().stop()

    @property
    def url(self) -> str:
        """The webhook URL, shaped as the provider's (path and all), on this server."""
        return f"{self.base}{PATHS[self.provider]}"

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(self.requests) >= count


def chat_hosts(settings: Any) -> None:
    """Let every chat channel post to 127.0.0.1 (and private addresses), as tests need."""
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    settings.NOTIFY_CHAT_HOSTS = {
        channel: ["127.0.0.1"] for channel in ("slack", "teams", "discord", "google_chat")
    }


# The providers' published limits, checked on what was posted --------------------------------


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def block_kit_problems(message: dict[str, Any]) -> list[str]:
    """What in a Slack message breaks Block Kit's limits (api.slack.com/reference/block-kit)."""
    problems = []
    if not message.get("text"):
        problems.append("no fallback text")
    groups = [message.get("blocks", [])] + [
        a.get("blocks", []) for a in message.get("attachments", [])
    ]
    if sum(len(blocks) for blocks in groups) > 50:
        problems.append("more than 50 blocks")
    for blocks in groups:
        for block in blocks:
            kind = block["type"]
            if kind == "section":
                if _units(block["text"]["text"]) > 3000:
                    problems.append("section text over 3000")
                if not block["text"]["text"].strip():
                    problems.append("empty section text")
            elif kind == "header":
                if _units(block["text"]["text"]) > 150:
                    problems.append("header over 150")
            elif kind == "context":
                if not 1 <= len(block["elements"]) <= 10:
                    problems.append("context with no element or more than 10")
                for element in block["elements"]:
                    if _units(element["text"]) > 3000:
                        problems.append("context text over 3000")
            else:
                problems.append(f"unexpected block {kind}")
    return problems


def discord_problems(message: dict[str, Any]) -> list[str]:
    """What in a Discord message breaks its embed limits (discord.com/developers/docs)."""
    problems = []
    if _units(message.get("content", "")) > 2000:
        problems.append("content over 2000")
    embeds = message.get("embeds", [])
    if not embeds and not message.get("content"):
        problems.append("neither content nor embeds")
    if len(embeds) > 10:
        problems.append("more than 10 embeds")
    total = 0
    for embed in embeds:
        title = embed.get("title", "")
        description = embed.get("description", "")
        footer = embed.get("footer", {}).get("text", "")
        fields = embed.get("fields", [])
        if _units(title) > 256:
            problems.append("title over 256")
        if _units(description) > 4096:
            problems.append("description over 4096")
        if len(fields) > 25:
            problems.append("more than 25 fields")
        for field in fields:
            if not field["name"] or _units(field["name"]) > 256:
                problems.append("field name empty or over 256")
            if not field["value"] or _units(field["value"]) > 1024:
                problems.append("field value empty or over 1024")
        if _units(footer) > 2048:
            problems.append("footer over 2048")
        total += _units(title) + _units(description) + _units(footer)
        total += sum(_units(f["name"]) + _units(f["value"]) for f in fields)
    if total > 6000:
        problems.append("embeds over 6000 in total")
    return problems
