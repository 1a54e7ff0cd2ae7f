"""Posting a chat message: the webhook transport's bounded POST, a provider's JSON, its answers.

A provider module subclasses `ChatTransport`, sets `provider` and writes `payload` (the JSON for
one `ChatNotice`); where the provider answers in its own way (Slack's `no_service` text, Discord's
JSON errors) it overrides `gone`, `wait` or `describe`. Slow, unreachable or private endpoints
are handled by `transports.post_to_subscriber`.
"""

import json
import logging
import ssl
from typing import Any, ClassVar

from .. import ratelimit, services
from ..messages import EventMessage
from ..models import Subscriber
from ..transports import Answer, Outcome, Result, Transport, post_to_subscriber
from .notice import ChatNotice, notice_for, test_notice

logger = logging.getLogger(__name__)


class ChatTransport(Transport):
    pooled = True
    # The provider's name as people know it, for errors shown at sign-up.
    label: ClassVar[str] = "The chat provider"

    def __init__(self) -> None:
        self.tls = ssl.create_default_context()

    def payload(self, notice: ChatNotice) -> dict[str, Any]:
        raise NotImplementedError

    def prepare(self, subscriber: Subscriber, message: EventMessage) -> dict[str, Any]:
        return self.payload(notice_for(message, subscriber))

    def deliver(self, subscriber: Subscriber, data: dict[str, Any]) -> Result:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Beacon/1"}
        answer = post_to_subscriber(subscriber.endpoint, body, headers, tls=self.tls)
        if isinstance(answer, Result):
            return answer
        return self.result(answer)

    def result(self, answer: Answer) -> Result:
        """2xx sent; an answer that says the webhook is gone (`gone`: 404 and 410 here)
        suppresses the subscriber; 429 and the rest are retried, after the provider's wait
        (`wait`: its Retry-After) when it gives one."""
        if 200 <= answer.status < 300:
            return Result(Outcome.SENT)
        error = self.describe(answer)[:1000]
        if self.gone(answer):
            return Result(Outcome.PERMANENT, error)
        if answer.status == 429:
            ratelimit.throttled(self.provider)
        return Result(Outcome.TEMPORARY, error, self.wait(answer))

    def gone(self, answer: Answer) -> bool:
        return answer.status in (404, 410)

    def wait(self, answer: Answer) -> float | None:
        return answer.retry_after

    def describe(self, answer: Answer) -> str:
        """The answer as the delivery log and the sign-up form show it."""
        return f"HTTP {answer.status} {answer.excerpt}".strip()

    def answered(self, answer: Answer, said: str) -> str:
        """`describe` for a provider that explains its answers: "Slack answered HTTP 403: ..."."""
        return f"{self.label} answered HTTP {answer.status}: {said}".rstrip(": ")

    def test(self, subscriber: Subscriber) -> Result:
        """Send the test message now, and say how it went (the sign-up shows a failure)."""
        return self.deliver(subscriber, self.payload(test_notice(subscriber)))

    def confirm(self, subscriber: Subscriber) -> None:
        """A test message the channel accepts confirms the subscriber; nothing is retried."""
        result = self.test(subscriber)
        if result.outcome == Outcome.SENT:
            services.confirm_subscriber(subscriber=subscriber, actor=f"{self.provider} test")
        else:
            logger.info("%s %s not confirmed: %s", self.provider, subscriber.pk, result.error)
