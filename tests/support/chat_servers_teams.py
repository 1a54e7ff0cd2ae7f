"""Local HTTP servers that answer as Microsoft Teams workflow webhooks and Google Chat incoming
webhooks do: the success answer each gives, and their error answers when told to."""

import json
from dataclasses import dataclass, field
from typing import Any

from tests.support.receivers import Answer, LocalHTTPServer, Request, json_answer, scripted


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


# Teams: the workflow took the message (it posts the card to the channel afterwards).
TEAMS_ACCEPTED = Reply(202)
TEAMS_FLOW_DELETED = Reply(
    404,
    {"error": {"code": "WorkflowNotFound", "message": "The workflow could not be found."}},
)
TEAMS_BAD_CARD = Reply(
    400,
    {
        "error": {
            "code": "TriggerInputSchemaMismatch",
            "message": "The input body for trigger 'manual' of type 'Request' did not match "
            "its schema definition.",
        }
    },
)


def teams_throttled(seconds: int) -> Reply:
    return Reply(
        429,
        {"error": {"code": "TooManyRequests", "message": "Rate limit is exceeded."}},
        {"Retry-After": str(seconds)},
    )


def google_error(code: int, status: str, message: str) -> Reply:
    return Reply(code, {"error": {"code": code, "message": message, "status": status}})


GOOGLE_NOT_FOUND = google_error(404, "NOT_FOUND", "Requested entity was not found.")
GOOGLE_PERMISSION_DENIED = google_error(
    403, "PERMISSION_DENIED", "The caller does not have permission"
)


def google_throttled(seconds: int) -> Reply:
    reply = google_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted.")
    reply.headers["Retry-After"] = str(seconds)
    return reply


class ChatProviderServer(LocalHTTPServer):
    """Answers each POST with the next reply of `script` (then the last one again), and keeps
    what it was sent. `provider` is "teams" or "google_chat": it decides the success answer
    when `script` is empty, as the provider gives it."""

    def __init__(self, provider: str) -> None:
        super().__init__()
        self.provider = provider
        self.script: list[Reply] = []

    def answer(self, request: Request) -> Answer:
        reply = self.reply(self.record_request(request), request.body)
        if reply.body is None:
            return reply.status, reply.headers, b""
        return json_answer(
            reply.status, reply.body, reply.headers, content_type="application/json; charset=UTF-8"
        )

    def reply(self, n: int, body: bytes) -> Reply:
        if self.script:
            return scripted(self.script, n)
        if self.provider == "teams":
            return TEAMS_ACCEPTED
        # Google Chat answers with the message it created.
        sent = json.loads(body)
        return Reply(
            200,
            {
                "name": f"spaces/AAAA/messages/{n}",
                "sender": {"name": "users/114022495153014004089", "type": "BOT"},
                "text": sent.get("text", ""),
                "cardsV2": sent.get("cardsV2", []),
                "space": {"name": "spaces/AAAA", "type": "ROOM"},
            },
        )

    @property
    def url(self) -> str:
        if self.provider == "teams":
            return f"{self.base}/workflows/abc123/triggers/manual/paths/invoke?api-version=1"
        return f"{self.base}/v1/spaces/AAAA/messages?key=test-key&token=test-token"
