"""Posting texts to Twilio's Messages API and reading its answers.

POST {TWILIO_API_BASE}/2010-04-01/Accounts/{SID}/Messages.json, form-encoded (To, From or
MessagingServiceSid, Body), with HTTP basic auth, through the webhook transport's bounded POST.
Twilio answers 201 with the message, or an error JSON `{"code": 21610, "message": ...}`:
a number that is unsubscribed (21610), invalid (21211) or cannot take texts (21614, 21612)
suppresses the subscriber; 429 and 5xx are retried after Retry-After; anything else (bad
credentials, a sender not allowed to reach that country) is retried and ends in the delivery
log, where the operator sees it, without suppressing a number that did nothing wrong.

The carrier's verdict comes later, to the StatusCallback (sms_views.twilio_status): a number
the carrier does not know (30005) or that cannot take texts (30006, a landline) is suppressed
then, so it is not texted again.
"""

import base64
import json
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from .. import ratelimit, services
from ..messages import EventMessage, page_link
from ..models import Subscriber
from ..transports import Answer, Outcome, Result, Transport, post_json
from ..validation import UnresolvableHost
from . import configured
from . import services as sms_services
from .text import fit, plain, shorten

logger = logging.getLogger(__name__)

# Twilio's error codes that are about the number itself: never send to it again.
NUMBER_GONE = {
    21211: "invalid 'To' phone number",
    21610: "unsubscribed recipient (the number replied STOP)",
    21612: "the number cannot be reached from this sender",
    21614: "not a mobile number",
}


def messages_url() -> str:
    base = settings.TWILIO_API_BASE.rstrip("/")
    return f"{base}/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages.json"


def form(to: str, body: str, callback: str = "") -> bytes:
    sender = settings.TWILIO_FROM
    origin = "MessagingServiceSid" if sender.startswith("MG") else "From"
    fields = {"To": to, origin: sender, "Body": body}
    if callback:
        fields["StatusCallback"] = callback
    return urlencode(fields).encode()


def status_callback(subscriber: Subscriber) -> str:
    """Where Twilio reports what became of a text (the carrier's verdict comes later than the
    API's answer): on the subscriber's page, naming the subscriber. Twilio signs the report."""
    return callback_url(subscriber) if settings.TWILIO_STATUS_CALLBACKS else ""


def callback_url(subscriber: Subscriber) -> str:
    path = reverse("subscribers:twilio_status")
    return page_link(subscriber.page, f"{path}?{urlencode({'subscriber': subscriber.pk})}")


def headers() -> dict[str, str]:
    login = f"{settings.TWILIO_ACCOUNT_SID}:{settings.TWILIO_AUTH_TOKEN}".encode()
    return {
        "Authorization": "Basic " + base64.b64encode(login).decode("ascii"),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "User-Agent": "Beacon/1",
    }


def twilio_error(excerpt: str) -> tuple[int | None, str]:
    """Twilio's error code and message from the start of its answer ((None, excerpt) when the
    excerpt is cut short or not Twilio's JSON)."""
    try:
        data = json.loads(excerpt)
    except ValueError:
        return None, excerpt.strip()[:300]
    if not isinstance(data, dict):
        return None, excerpt.strip()[:300]
    code = data.get("code")
    message = str(data.get("message") or "")
    return (code if isinstance(code, int) else None), message[:300]


def result_of(answer: Answer) -> Result:
    if 200 <= answer.status < 300:
        return Result(Outcome.SENT)
    code, message = twilio_error(answer.excerpt)
    if code in NUMBER_GONE:
        return Result(Outcome.PERMANENT, f"Twilio {code}: {message or NUMBER_GONE[code]}")
    error = f"HTTP {answer.status}" + (f" Twilio {code}" if code else "") + f": {message}"
    if answer.status == 429:
        throttled()
    return Result(Outcome.TEMPORARY, error.strip()[:1000], answer.retry_after)


def throttled() -> None:
    """Twilio said 429: slow every sender down for a while (the one call to the rate limit)."""
    ratelimit.throttled("twilio")


@dataclass(frozen=True)
class Text:
    body: str
    callback: str = ""
    # Set when the text must not go out: why (the daily cap), for the delivery log.
    skipped: str = ""


def alert_text(message: EventMessage, subscriber: Subscriber) -> str:
    """Page, status, title and link in at most two segments: the title is shortened to fit,
    and "Reply STOP to unsubscribe" is left out only when even a short title leaves no room."""
    context: dict[str, Any] = message.context
    page = subscriber.page
    base = {
        "page_name": plain(page.name),
        "heading": plain(str(context.get("heading", ""))),
        "url": str(context.get("url", page.url)),
    }
    name = plain(str(context.get("name", "")))

    def render(stop: bool) -> Callable[[str], str]:
        return lambda title: render_to_string(
            "sms/alert.txt", {**base, "name": title, "stop": stop}
        ).strip()

    # The STOP line stays while at least 30 characters of the title (or all of it) fit.
    title = fit(render(True), name)
    if title is not None and len(title) >= min(len(name), 30):
        return render(True)(title)
    title = fit(render(False), name)
    if title is None:
        # A page name too long for any title: keep the link, cut the rest.
        base["page_name"] = shorten(base["page_name"], 40)
        title = fit(render(False), name) or ""
    return render(False)(title)


def code_text(subscriber: Subscriber, code: str) -> str:
    page = subscriber.page
    context = {
        "code": code,
        "page_name": plain(page.name),
        "verify_url": page_link(page, reverse("subscribers:sms_verify")),
        "minutes": int(sms_services.CODE_TTL.total_seconds() // 60),
    }

    def render(name: str) -> str:
        return render_to_string("sms/code.txt", {**context, "page_name": name}).strip()

    return render(fit(render, str(context["page_name"])) or "")


def send_text(to: str, body: str, tls: ssl.SSLContext, callback: str = "") -> Result:
    if not configured():
        return Result(Outcome.TEMPORARY, "SMS is not configured (TWILIO_* settings)")
    try:
        answer = post_json(
            messages_url(),
            form(to, body, callback),
            headers(),
            timeout=settings.NOTIFY_WEBHOOK_TIMEOUT,
            tls=tls,
        )
    except UnresolvableHost as exc:
        return Result(Outcome.TEMPORARY, "; ".join(exc.messages))
    except ValidationError as exc:  # TWILIO_API_BASE is not a public address
        return Result(Outcome.TEMPORARY, "; ".join(exc.messages))
    except (OSError, ValueError) as exc:
        return Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"[:1000])
    return result_of(answer)


class SmsTransport(Transport):
    """One POST per text; pooled, so a slow Twilio holds up one thread, not the batch."""

    pooled = True
    provider = "twilio"
    heartbeat = "sms"

    def __init__(self) -> None:
        self.tls = ssl.create_default_context()

    def prepare(self, subscriber: Subscriber, message: EventMessage) -> Text:
        """The text, or why it is not sent: SMS_DAILY_CAP texts to this subscriber in the last
        24 hours (counted here, where the database may be read)."""
        cap = settings.SMS_DAILY_CAP
        if cap and sms_services.sent_today(subscriber) >= cap:
            return Text("", skipped=f"not sent: daily SMS cap reached ({cap} texts in 24 hours)")
        return Text(alert_text(message, subscriber), status_callback(subscriber))

    def deliver(self, subscriber: Subscriber, text: Text) -> Result:
        if text.skipped:
            return Result(Outcome.SKIPPED, text.skipped)
        return send_text(subscriber.phone_number, text.body, self.tls, text.callback)

    def confirm(self, subscriber: Subscriber) -> None:
        """Text a new verification code. A temporary failure is owed (the sweeper sends a new
        code); a number Twilio refuses for good is suppressed."""
        code = sms_services.new_code(subscriber)
        result = send_text(
            subscriber.phone_number,
            code_text(subscriber, code),
            self.tls,
            status_callback(subscriber),
        )
        if result.outcome == Outcome.SENT:
            services.beat(self.heartbeat)
        elif result.outcome == Outcome.PERMANENT:
            services.suppress(subscriber=subscriber, reason=result.error, actor="Twilio")
        else:
            logger.warning(
                "SMS code to %s failed (%s); the sweeper retries", subscriber.pk, result.error
            )
            services.owe_confirmation(subscriber)
