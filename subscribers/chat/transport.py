"""Posting a chat message: the webhook transport's bounded POST, a provider's JSON, its answers.

A provider module subclasses `ChatTransport`, sets `provider` and writes `payload` (the JSON for
one `ChatNotice`); where the provider answers in its own way (Slack's `no_service` text) it
overrides `result`. Slow, unreachable or private endpoints are handled by `post_json`.
"""

import json
import logging
import ssl
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from .. import ratelimit, services
from ..messages import EventMessage
from ..models import Subscriber
from ..transports import Answer, Outcome, Result, Transport, post_json
from ..validation import UnresolvableHost
from .notice import ChatNotice, notice_for, test_notice

logger = logging.getLogger(__name__)


class ChatTransport(Transport):
    pooled = True

    def __init__(self) -> None:
        self.tls = ssl.create_default_context()

    def payload(self, notice: ChatNotice) -> dict[str, Any]:
        raise NotImplementedError

    def prepare(self, subscriber: Subscriber, message: EventMessage) -> dict[str, Any]:
        return self.payload(notice_for(message, subscriber))

    def deliver(self, subscriber: Subscriber, data: dict[str, Any]) -> Result:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Beacon/1"}
        try:
            answer = post_json(
                subscriber.endpoint,
                body,
                headers,
                timeout=settings.NOTIFY_WEBHOOK_TIMEOUT,
                tls=self.tls,
            )
        except UnresolvableHost as exc:  # perhaps a DNS outage: try again later
            return Result(Outcome.TEMPORARY, "; ".join(exc.messages))
        except ValidationError as exc:
            return Result(Outcome.PERMANENT, "; ".join(exc.messages))
        except (OSError, ValueError) as exc:
            return Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"[:1000])
        return self.result(answer)

    def result(self, answer: Answer) -> Result:
        """2xx sent; 404 and 410 (the webhook was deleted) suppress the subscriber; 429 and the
        rest are retried, after the provider's Retry-After when it gives one."""
        if 200 <= answer.status < 300:
            return Result(Outcome.SENT)
        error = f"HTTP {answer.status} {answer.excerpt}".strip()[:1000]
        if answer.status in (404, 410):
            return Result(Outcome.PERMANENT, error)
        if answer.status == 429:
            ratelimit.throttled(self.provider)
        return Result(Outcome.TEMPORARY, error, answer.retry_after)

    def confirm(self, subscriber: Subscriber) -> None:
        """A test message the channel accepts confirms the subscriber; nothing is retried."""
        result = self.deliver(subscriber, self.payload(test_notice(subscriber)))
        if result.outcome == Outcome.SENT:
            services.confirm_subscriber(subscriber=subscriber, actor=f"{self.provider} test")
        else:
            logger.info("%s %s not confirmed: %s", self.provider, subscriber.pk, result.error)
