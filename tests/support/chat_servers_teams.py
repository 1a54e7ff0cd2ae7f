"""Local HTTP servers that answer as Microsoft Teams workflow webhooks and Google Chat incoming
webhooks do: the success answer each gives, and their error answers when told to."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


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


class ChatProviderServer:
    """Answers each POST with the next reply of `script` (then the last one again), and keeps
    what it was sent. `provider` is "teams" or "google_chat": it decides the success answer
    when `script` is empty, as the provider gives it."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.requests: list[dict[str, Any]] = []
        self.script: list[Reply] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server.lock:
                    server.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    n = len(server.requests)
                    reply = server.reply(n, body)
                data = json.dumps(reply.body).encode() if reply.body is not None else b""
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reply(self, n: int, body: bytes) -> Reply:
        if self.script:
            return self.script[min(n - 1, len(self.script) - 1)]
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

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        if self.provider == "teams":
            return f"{self.base}/workflows/abc123/triggers/manual/paths/invoke?api-version=1"
        return f"{self.base}/v1/spaces/AAAA/messages?key=test-key&token=test-token"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]
