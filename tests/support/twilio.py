"""A local server that answers as Twilio's Messages API does, and signs inbound webhooks as
Twilio does.

`FakeTwilio` takes POST /2010-04-01/Accounts/{sid}/Messages.json (form-encoded, HTTP basic
auth with the account SID and auth token) and answers 201 with a message JSON, or what
`script` (in order, then the last) or `numbers` (per recipient) say: an error code (21211,
21610, 21614: 400 with Twilio's error JSON), 429 (code 20429, with Retry-After) or 500. Every
request is kept: its path, its basic-auth credentials and its form fields.
"""

import base64
import hashlib
import hmac
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "a-test-auth-token-of-32-chars-xx"
SENDER = "+15005550006"

ERRORS = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    20003: "Authenticate",
}


class FakeTwilio:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        # "ok", a Twilio error code, 429 or 500; per request in order, the last one repeating.
        self.script: list[int | str] = ["ok"]
        # Recipients that always get this answer (e.g. {"+14155550199": 21610}).
        self.numbers: dict[str, int | str] = {}
        self.retry_after = "7"
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                form = dict(parse_qsl(body.decode(), keep_blank_values=True))
                auth = self.headers.get("Authorization", "")
                login = ""
                if auth.startswith("Basic "):
                    login = base64.b64decode(auth.removeprefix("Basic ")).decode()
                with fake.lock:
                    fake.requests.append(
                        {
                            "path": self.path,
                            "auth": login,
                            "content_type": self.headers.get("Content-Type", ""),
                            "form": form,
                        }
                    )
                    n = len(fake.requests)
                    how = fake.numbers.get(form.get("To", ""))
                    if how is None:
                        how = fake.script[min(n - 1, len(fake.script) - 1)]
                if login != f"{SID}:{TOKEN}" or self.path != fake.path:
                    self._json(401, fake.error(20003, 401, form))
                elif how == "ok":
                    self._json(201, fake.message(form))
                elif how == 429:
                    self._json(429, fake.error(20429, 429, form), {"Retry-After": fake.retry_after})
                elif how == 500:
                    self._json(500, fake.error(20500, 500, form))
                else:
                    self._json(400, fake.error(int(how), 400, form))

            def _json(self, status: int, data: dict, headers: dict | None = None) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

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
    def path(self) -> str:
        return f"/2010-04-01/Accounts/{SID}/Messages.json"

    def message(self, form: dict[str, str]) -> dict[str, Any]:
        return {
            "sid": "SM" + uuid.uuid4().hex,
            "account_sid": SID,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "error_code": None,
            "error_message": None,
        }

    def error(self, code: int, status: int, form: dict[str, str]) -> dict[str, Any]:
        text = ERRORS.get(code, "Too Many Requests" if status == 429 else "Internal error")
        return {
            "code": code,
            "message": text.format(to=form.get("To", "")),
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    def texts_to(self, number: str) -> list[str]:
        with self.lock:
            return [r["form"]["Body"] for r in self.requests if r["form"].get("To") == number]

    def code_for(self, number: str) -> str:
        found = re.search(r"\b(\d{6})\b", self.texts_to(number)[-1])
        assert found, self.texts_to(number)
        return found.group(1)


def twilio_signature(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    """As Twilio signs a webhook: HMAC-SHA1 of the URL and the sorted names and values."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def inbound_params(sender: str, body: str, **extra: str) -> dict[str, str]:
    """The fields of Twilio's inbound message webhook (the ones Beacon reads, and a few more)."""
    return {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": SID,
        "From": sender,
        "To": SENDER,
        "Body": body,
        "NumMedia": "0",
        "FromCountry": "US",
        **extra,
    }
