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
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl

from tests.support.receivers import Answer, LocalHTTPServer, Request, json_answer, scripted

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "a-test-auth-token-of-32-chars-xx"
SENDER = "+15005550006"

ERRORS = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    20003: "Authenticate",
}


class FakeTwilio(LocalHTTPServer):
    def __init__(self) -> None:
        super().__init__()
        # "ok", a Twilio error code, 429 or 500; per request in order, the last one repeating.
        self.script: list[int | str] = ["ok"]
        # Recipients that always get this answer (e.g. {"+14155550199": 21610}).
        self.numbers: dict[str, int | str] = {}
        self.retry_after = "7"

    def answer(self, request: Request) -> Answer:
        form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        auth = request.headers.get("Authorization", "")
        login = ""
        if auth.startswith("Basic "):
            login = base64.b64decode(auth.removeprefix("Basic ")).decode()
        n = self.record(
            {
                "path": request.path,
                "auth": login,
                "content_type": request.headers.get("Content-Type", ""),
                "form": form,
            }
        )
        how = self.numbers.get(form.get("To", ""))
        if how is None:
            how = scripted(self.script, n)
        if login != f"{SID}:{TOKEN}" or request.path != self.path:
            return json_answer(401, self.error(20003, 401, form))
        if how == "ok":
            return json_answer(201, self.message(form))
        if how == 429:
            return json_answer(429, self.error(20429, 429, form), {"Retry-After": self.retry_after})
        if how == 500:
            return json_answer(500, self.error(20500, 500, form))
        return json_answer(400, self.error(int(how), 400, form))

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
