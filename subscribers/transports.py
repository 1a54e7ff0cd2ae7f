"""One small class per channel. Each sends one message and says how it went.

Outcomes: SENT; TEMPORARY (retry with backoff: SMTP 4xx, timeouts, dropped connections,
HTTP 5xx and 429); PERMANENT (suppress the address or endpoint: SMTP 5xx, HTTP 410).
"""

import binascii
import contextlib
import email.policy
import email.utils
import hashlib
import hmac
import json
import smtplib
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from statuspage.mail import header_line, header_value, header_values

from . import ratelimit
from .messages import (
    MANAGE,
    UNSUBSCRIBE,
    EventMessage,
    manage_url,
    personalise,
    unsubscribe_mailto,
    unsubscribe_url,
)
from .models import Subscriber
from .validation import check_webhook_target


class Outcome(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass
class Result:
    outcome: Outcome
    error: str = ""


# Long URLs in List-Unsubscribe must not be folded into RFC 2047 encoded words, which mail
# clients do not decode there; RFC 5322 allows lines up to 998 characters.
LONG_LINES = email.policy.SMTP.clone(max_line_length=998)


class NotificationEmail(EmailMultiAlternatives):
    def message(self, *, policy: Any = LONG_LINES) -> Any:
        return super().message(policy=LONG_LINES)


def email_message(message: EventMessage, subscriber: Subscriber) -> NotificationEmail:
    unsubscribe = unsubscribe_url(subscriber)
    mail = NotificationEmail(
        subject=header_value(message.subject),
        body=personalise(message.text, subscriber),
        from_email=header_value(settings.DEFAULT_FROM_EMAIL),
        to=[header_value(subscriber.email)],
        headers=header_values(
            {
                # RFC 8058 one-click unsubscribe, plus a mailto for clients that prefer it.
                "List-Unsubscribe": (
                    f"<{unsubscribe}>, <mailto:{unsubscribe_mailto()}?subject=unsubscribe>"
                ),
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"{header_value(subscriber.page.name)} <{subscriber.page.pk}.beacon>",
                "Auto-Submitted": "auto-generated",
            }
        ),
    )
    mail.attach_alternative(personalise(message.html, subscriber), "text/html")
    return mail


def raw_email(message: EventMessage, subscriber: Subscriber) -> bytes:
    """The MIME message for one recipient, assembled directly.

    Equivalent to `email_message(...).message()`, without the email package's per-header
    parsing, which costs more than the rest of a send; used with plain SMTP. Every header goes
    through `header_line`, which keeps it on one line whatever the stored names hold.
    """
    links = {
        MANAGE: manage_url(subscriber),
        UNSUBSCRIBE: unsubscribe_url(subscriber),
    }
    text, html = message.text, message.html
    for placeholder, url in links.items():
        text = text.replace(placeholder, url)
        html = html.replace(placeholder, url)
    boundary = uuid.uuid4().hex
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "beacon"
    page = subscriber.page
    head = "\r\n".join(
        [
            header_line("From", settings.DEFAULT_FROM_EMAIL),
            header_line("To", subscriber.email),
            header_line("Subject", message.subject),
            header_line("Date", email.utils.formatdate()),
            header_line("Message-ID", f"<{uuid.uuid4().hex}@{domain}>"),
            "MIME-Version: 1.0",
            header_line(
                "List-Unsubscribe",
                f"<{links[UNSUBSCRIBE]}>, <mailto:{unsubscribe_mailto()}?subject=unsubscribe>",
            ),
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            # The name alone is encoded: an encoded word may not hold the <list-id> part.
            f"{header_line('List-Id', page.name)} <{page.pk}.beacon>",
            "Auto-Submitted: auto-generated",
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
        ]
    )
    parts = []
    for subtype, body in (("plain", text), ("html", html)):
        # SMTP lines end in CRLF, and a bare CR (from a stored name or body) would be one that
        # servers and clients read differently; quoted-printable keeps lines under 76 characters.
        plain = body.replace("\r\n", "\n").replace("\r", "\n").encode()
        encoded = binascii.b2a_qp(plain, istext=True).decode("ascii").replace("\n", "\r\n")
        parts.append(
            f"--{boundary}\r\n"
            f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            f"{encoded}\r\n"
        )
    return (head + "\r\n\r\n" + "".join(parts) + f"--{boundary}--\r\n").encode("ascii")


class EmailTransport:
    """Sends over one connection for a whole batch, reopening it after a drop.

    With Django's SMTP backend, messages are assembled by `raw_email` and handed to the open
    SMTP session; with any other backend (an email service provider through django-anymail),
    they go through the backend as EmailMessages.
    """

    def __init__(self) -> None:
        self.connection: Any = None

    def open(self) -> None:
        if self.connection is None:
            self.connection = mailers.default
            self.connection.open()

    def close(self) -> None:
        if self.connection is not None:
            # The server may already be gone.
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None

    def send(self, message: EventMessage, subscriber: Subscriber) -> Result:
        ratelimit.acquire()
        try:
            self.open()
            if isinstance(self.connection, SMTPBackend) and self.connection.connection:
                self.connection.connection.sendmail(
                    settings.DEFAULT_FROM_EMAIL,
                    [subscriber.email],
                    raw_email(message, subscriber),
                )
            else:
                self.connection.send_messages([email_message(message, subscriber)])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (450, b""))
            return self._by_code(code, text)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self.close()  # 421 closes the session
            return self._by_code(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            return Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"[:1000])
        except Exception as exc:  # an email service provider's API error
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status == 429:
                ratelimit.throttled()
            if status and 400 <= status < 500 and status not in (408, 429):
                return Result(Outcome.PERMANENT, f"{type(exc).__name__}: {exc}"[:1000])
            return Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"[:1000])
        return Result(Outcome.SENT)

    def _by_code(self, code: int, text: bytes | str) -> Result:
        detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        error = f"SMTP {code} {detail}"[:1000]
        if code == 421:
            ratelimit.throttled()
        if 500 <= code < 600:
            return Result(Outcome.PERMANENT, error)
        return Result(Outcome.TEMPORARY, error)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex; sent as X-Beacon-Signature: t=...,v1=..."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return mac.hexdigest()


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": "Beacon-Webhook/1",
        "X-Beacon-Timestamp": timestamp,
        "X-Beacon-Signature": f"t={timestamp},v1={signature(secret, timestamp, body)}",
    }


class WebhookTransport:
    def __init__(self) -> None:
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def post(self, subscriber: Subscriber, data: dict[str, Any]) -> Result:
        try:
            check_webhook_target(subscriber.endpoint)
        except ValidationError as exc:
            return Result(Outcome.PERMANENT, "; ".join(exc.messages))
        body = json.dumps(data, separators=(",", ":")).encode()
        try:
            response = self.session.post(
                subscriber.endpoint,
                data=body,
                headers=signed_headers(subscriber.secret, body),
                timeout=settings.NOTIFY_WEBHOOK_TIMEOUT,
                allow_redirects=False,
            )
        except (OSError, requests.RequestException) as exc:
            return Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"[:1000])
        if 200 <= response.status_code < 300:
            return Result(Outcome.SENT)
        error = f"HTTP {response.status_code} {response.text[:200]}"
        if response.status_code == 410:
            return Result(Outcome.PERMANENT, error)
        if response.status_code == 429:
            ratelimit.throttled()
        return Result(Outcome.TEMPORARY, error)

    def send(self, message: EventMessage, subscriber: Subscriber) -> Result:
        from .messages import webhook_body

        ratelimit.acquire()
        return self.post(subscriber, webhook_body(message, subscriber))


def confirmation_ping(subscriber: Subscriber) -> dict[str, Any]:
    return {
        "meta": {"unsubscribe": unsubscribe_url(subscriber), "manage": manage_url(subscriber)},
        "page": {"id": subscriber.page.pk, "name": subscriber.page.name},
        # Only the endpoint's owner reads this: the secret that signs every later message.
        "confirmation": {"subscriber_id": subscriber.pk, "secret": subscriber.secret},
    }
