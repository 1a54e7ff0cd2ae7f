"""A base class, and one small class per channel. Each sends one message and says how it went.

Outcomes: SENT; TEMPORARY (retry with backoff: SMTP 4xx, timeouts, dropped connections,
HTTP 5xx and 429); PERMANENT (suppress the address or endpoint: SMTP 5xx, HTTP 410); SKIPPED
(not sent on purpose, e.g. over the SMS daily cap: failed, with the reason, and not retried).

Which class carries which channel is written in subscribers/channels.py. A new channel is a
subclass of `Transport` (in a module of its own) and a line there; the senders and the tasks
only ever talk to `Transport`. `post_json` is the bounded HTTP POST any channel that calls an
HTTP endpoint can use: the address checks, the deadline and the 4 KB reply cap come with it.
"""

import binascii
import contextlib
import email.policy
import email.utils
import hashlib
import hmac
import json
import logging
import re
import smtplib
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.template.loader import render_to_string
from django.urls import reverse

from statuspage.mail import header_line, header_value, header_values, render_subject

from . import ratelimit, services
from .messages import (
    MANAGE,
    UNSUBSCRIBE,
    EventMessage,
    manage_url,
    page_link,
    personalise,
    unsubscribe_mailto,
    unsubscribe_url,
    webhook_body,
)
from .models import Subscriber
from .tokens import confirm_token
from .validation import UnresolvableHost, WebhookTarget, resolve_webhook_target

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    # Not sent, on purpose (the SMS daily cap): recorded as failed with the reason, no retry.
    SKIPPED = "skipped"


@dataclass
class Result:
    outcome: Outcome
    error: str = ""
    # Seconds the provider asked us to wait before the next attempt (HTTP Retry-After).
    retry_after: float | None = None


class Transport:
    """How one channel sends. A sender makes one of each it needs per batch and closes it after.

    The sender claims a channel's deliveries only with rate-limit tokens of its `provider` in
    hand, one per message; for each it calls `prepare` in its own thread (where the database
    may be read) and hands what it returns to `deliver`. With `pooled`, `deliver` runs on the
    sender's small pool of threads, so a slow endpoint holds up one thread and not the batch:
    it must not touch the database. Holding the delivery and recording the outcome stay with
    the sender.
    """

    # Whether `deliver` waits on somebody else's server (a webhook endpoint) and so runs on
    # the pool; otherwise the sender sends one message after another (email, over one session).
    pooled: ClassVar[bool] = False
    # The heartbeat (the admin's pipeline health) that a message sent this way counts for.
    heartbeat: ClassVar[str] = ""
    # The provider this channel's messages go through: each has its own shared rate limit and
    # its own throttling, so a slow or throttling provider does not hold up the others.
    provider: ClassVar[str] = "email"

    def prepare(self, subscriber: Subscriber, message: EventMessage) -> Any:
        """What `deliver` sends to this subscriber: by default the message itself."""
        return message

    def deliver(self, subscriber: Subscriber, prepared: Any) -> Result:
        raise NotImplementedError

    def confirm(self, subscriber: Subscriber) -> None:
        """Send a new subscriber's confirmation, and record what came of it."""
        raise NotImplementedError

    def close(self) -> None:
        pass


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


class EmailTransport(Transport):
    """Sends over one connection for a whole batch, reopening it after a drop.

    With Django's SMTP backend, messages are assembled by `raw_email` and handed to the open
    SMTP session; with any other backend (an email service provider through django-anymail),
    they go through the backend as EmailMessages.
    """

    heartbeat = "mail"

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

    def deliver(self, subscriber: Subscriber, message: EventMessage) -> Result:
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
                ratelimit.throttled(self.provider)
            if status and 400 <= status < 500 and status not in (408, 429):
                return Result(Outcome.PERMANENT, f"{type(exc).__name__}: {exc}"[:1000])
            return Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"[:1000])
        return Result(Outcome.SENT)

    def _by_code(self, code: int, text: bytes | str) -> Result:
        detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        error = f"SMTP {code} {detail}"[:1000]
        if code == 421:
            ratelimit.throttled(self.provider)
        if 500 <= code < 600:
            return Result(Outcome.PERMANENT, error)
        return Result(Outcome.TEMPORARY, error)

    def confirm(self, subscriber: Subscriber) -> None:
        """The link that confirms the address; a failed send is owed, and the sweeper retries."""
        page = subscriber.page
        incident = subscriber.incident
        token = confirm_token(subscriber)
        context = {
            "page": page,
            "confirm_url": page_link(page, reverse("subscribers:confirm", args=[token])),
            "components": [c.name for c in subscriber.components.all()],
            # An incident subscriber hears about one incident only: say which.
            "incident": incident,
            "incident_url": page_link(page, incident.get_absolute_url()) if incident else "",
        }
        mail = EmailMultiAlternatives(
            # One line: a name stored with a line break would make Django refuse it on every retry.
            subject=render_subject("emails/confirm_subject.txt", context),
            body=render_to_string("emails/confirm.txt", context),
            to=[subscriber.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        mail.attach_alternative(render_to_string("emails/confirm.html", context), "text/html")
        try:
            mail.send()
        except Exception:
            logger.warning("confirmation to %s failed; the sweeper retries", subscriber.email)
            services.owe_confirmation(subscriber)
            return
        services.beat(self.heartbeat)


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


# Bytes of a webhook response read at most: only the status line counts, plus an excerpt for
# the delivery log. The rest is never read, however much the endpoint sends.
RESPONSE_LIMIT = 4096
STATUS_LINE = re.compile(rb"HTTP/\d(?:\.\d)? (\d{3})[^\r\n]*\r?\n")


@dataclass
class Answer:
    status: int
    excerpt: str
    # The answer's Retry-After in seconds (a number or an HTTP date), when it sent one.
    retry_after: float | None = None


RETRY_AFTER = re.compile(rb"^retry-after:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def retry_after_seconds(value: str) -> float | None:
    """Retry-After as seconds from now: delay-seconds or an HTTP-date (RFC 9110 10.2.3);
    None when it is neither, and never less than 0 nor more than a day."""
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), 86400.0)


def _left(deadline: float, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"no answer within {timeout:g} s")
    return left


def _connect(target: WebhookTarget, deadline: float, timeout: float) -> socket.socket:
    """Connect to one of the addresses the host was checked with (never a fresh lookup)."""
    error: OSError = ConnectionError("no address")
    for family, sockaddr in target.addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(_left(deadline, timeout))
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, TimeoutError):
                raise
            continue
        return sock
    raise error


# After the final status line, how long the rest of the head and the start of the body may take
# to arrive: they carry Retry-After and the provider's error text, but the status decides.
ANSWER_GRACE_SECONDS = 1.0
EXCERPT_BYTES = 300


def _read_answer(sock: socket.socket, deadline: float, timeout: float) -> Answer:
    """Read until the final status line is in, at most RESPONSE_LIMIT bytes, by the deadline;
    then, for at most ANSWER_GRACE_SECONDS more, the rest of its head and an excerpt of its body
    (a body that is slow or never comes does not change the outcome)."""
    data = b""
    while True:
        match = STATUS_LINE.match(data)
        if match and match.group(1).startswith(b"1"):
            # An informational answer (103 Early Hints): the final one follows its headers.
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                data = data[end + 4 :]
                continue
        elif match:
            return _final_answer(
                sock, data, match, min(deadline, time.monotonic() + ANSWER_GRACE_SECONDS)
            )
        if len(data) >= RESPONSE_LIMIT:
            raise ConnectionError("no HTTP status line in the first bytes of the answer")
        sock.settimeout(_left(deadline, timeout))
        chunk = sock.recv(RESPONSE_LIMIT - len(data))
        if not chunk:
            raise ConnectionError("the connection closed without an HTTP answer")
        data += chunk


def _final_answer(sock: socket.socket, data: bytes, match: re.Match[bytes], until: float) -> Answer:
    rest = data[match.end() :]
    while len(data) < RESPONSE_LIMIT:
        head, blank, body = rest.partition(b"\r\n\r\n")
        if blank and len(body) >= EXCERPT_BYTES:
            break
        left = until - time.monotonic()
        if left <= 0:
            break
        try:
            sock.settimeout(left)
            chunk = sock.recv(RESPONSE_LIMIT - len(data))
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        rest += chunk
    head, _, body = rest.partition(b"\r\n\r\n")
    found = RETRY_AFTER.search(head)
    wait = retry_after_seconds(found.group(1).decode("latin-1")) if found else None
    return Answer(int(match.group(1)), body[:EXCERPT_BYTES].decode(errors="replace"), wait)


def post_json(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, tls: ssl.SSLContext
) -> Answer:
    """POST `body` and return the answer's status, all within `timeout` seconds in total.

    The host is resolved and checked once, and the connection goes to the checked address
    (the Host header and TLS name stay the URL's). The connection is closed after the status
    line: a body, however large or slow, is not waited for.
    """
    target = resolve_webhook_target(url)
    deadline = time.monotonic() + timeout
    try:
        return _exchange(target, body, headers, deadline, timeout, tls)
    except TimeoutError:
        raise TimeoutError(f"no answer within {timeout:g} s") from None


def _exchange(
    target: WebhookTarget,
    body: bytes,
    headers: dict[str, str],
    deadline: float,
    timeout: float,
    tls: ssl.SSLContext,
) -> Answer:
    sock = _connect(target, deadline, timeout)
    try:
        if target.scheme == "https":
            # The handshake is bounded as a whole by the socket's timeout.
            sock.settimeout(_left(deadline, timeout))
            sock = tls.wrap_socket(sock, server_hostname=target.host)
        head = [f"POST {target.path} HTTP/1.1", f"Host: {target.host_header}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
        # sendall's timeout bounds the whole send, not each piece of it.
        sock.settimeout(_left(deadline, timeout))
        sock.sendall("\r\n".join(head).encode("latin-1") + body)
        return _read_answer(sock, deadline, timeout)
    finally:
        sock.close()


def post_to_subscriber(
    url: str, body: bytes, headers: dict[str, str], *, tls: ssl.SSLContext
) -> Answer | Result:
    """POST to a subscriber's own URL within NOTIFY_WEBHOOK_TIMEOUT: the answer, or the Result
    when there was none (a URL refused for good is permanent; a name that does not resolve, a
    timeout or a dropped connection is retried)."""
    try:
        return post_json(url, body, headers, timeout=settings.NOTIFY_WEBHOOK_TIMEOUT, tls=tls)
    except UnresolvableHost as exc:  # perhaps a DNS outage: try again later
        return Result(Outcome.TEMPORARY, "; ".join(exc.messages))
    except ValidationError as exc:
        return Result(Outcome.PERMANENT, "; ".join(exc.messages))
    except (OSError, ValueError) as exc:
        return Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"[:1000])


class WebhookTransport(Transport):
    """Posts each message on a connection of its own (an endpoint gets one message per event,
    so there is nothing to reuse), within NOTIFY_WEBHOOK_TIMEOUT seconds in total."""

    pooled = True
    provider = "webhook"

    def __init__(self) -> None:
        self.tls = ssl.create_default_context()

    def prepare(self, subscriber: Subscriber, message: EventMessage) -> dict[str, Any]:
        return webhook_body(message, subscriber)

    def deliver(self, subscriber: Subscriber, data: dict[str, Any]) -> Result:
        body = json.dumps(data, separators=(",", ":")).encode()
        answer = post_to_subscriber(
            subscriber.endpoint, body, signed_headers(subscriber.secret, body), tls=self.tls
        )
        if isinstance(answer, Result):
            return answer
        return webhook_result(answer)

    def confirm(self, subscriber: Subscriber) -> None:
        """A signed ping that the endpoint accepts (2xx) confirms it; nothing is retried."""
        result = self.deliver(subscriber, confirmation_ping(subscriber))
        if result.outcome == Outcome.SENT:
            services.confirm_subscriber(subscriber=subscriber, actor="webhook ping")
        else:
            logger.info("webhook %s not confirmed: %s", subscriber.endpoint, result.error)


def webhook_result(answer: Answer) -> Result:
    if 200 <= answer.status < 300:
        return Result(Outcome.SENT)
    error = f"HTTP {answer.status} {answer.excerpt}".strip()
    if answer.status == 410:
        return Result(Outcome.PERMANENT, error)
    if answer.status == 429:
        ratelimit.throttled(WebhookTransport.provider)
    return Result(Outcome.TEMPORARY, error, answer.retry_after)


def confirmation_ping(subscriber: Subscriber) -> dict[str, Any]:
    return {
        "meta": {"unsubscribe": unsubscribe_url(subscriber), "manage": manage_url(subscriber)},
        "page": {"id": subscriber.page.pk, "name": subscriber.page.name},
        # Only the endpoint's owner reads this: the secret that signs every later message.
        "confirmation": {"subscriber_id": subscriber.pk, "secret": subscriber.secret},
    }
