"""A sender works through the deliveries it claimed, holding the claim as it goes.

The claim is a lease (NOTIFY_LEASE_SECONDS): the sender renews it while it works, checks just
before each message that it still holds the delivery and that the subscriber is still active,
and records each outcome only where its claim still matches. A sender that dies stops
renewing, and the sweeper hands its deliveries to the others once the lease runs out.

Emails go one after another over one SMTP connection. Webhooks go to a small pool of threads
(NOTIFY_WEBHOOK_CONCURRENCY), so an endpoint that answers slowly holds up one thread for at
most NOTIFY_WEBHOOK_TIMEOUT, not the rest of the batch. The threads only do the HTTP call:
holding, rate limiting and recording stay in the sender's own thread and database connection.
"""

import logging
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings

from . import ratelimit, services
from .messages import EventMessage, build, webhook_body
from .models import Channel, Delivery
from .transports import EmailTransport, Outcome, Result, WebhookTransport

logger = logging.getLogger(__name__)


class Sender:
    def __init__(self) -> None:
        self.email = EmailTransport()
        self.webhook = WebhookTransport()
        self.pool = ThreadPoolExecutor(
            max_workers=settings.NOTIFY_WEBHOOK_CONCURRENCY, thread_name_prefix="webhook"
        )
        self.messages: dict[int, EventMessage | None] = {}
        self.claim = ""
        self.renewed = 0.0
        self.sent_email = False

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.email.close()
        self.webhook.close()

    def send_batch(self, batch: list[Delivery]) -> None:
        """Send every delivery of one claim and record each outcome as soon as it is known."""
        self.claim, self.renewed = batch[0].claim, time.monotonic()
        waiting = deque(d for d in batch if d.subscriber.channel == Channel.WEBHOOK)
        in_flight: dict[Future[Result], Delivery] = {}
        for delivery in batch:
            if delivery.subscriber.channel == Channel.EMAIL:
                self._start_webhooks(waiting, in_flight)
                self._send_email(delivery)
                self._record_finished(in_flight, timeout=0)
        while waiting or in_flight:
            self._start_webhooks(waiting, in_flight)
            # Wake now and then to renew the lease while slow endpoints keep the threads busy.
            self._record_finished(in_flight, timeout=settings.NOTIFY_LEASE_SECONDS / 4)
        if self.sent_email:
            services.beat("mail")
            self.sent_email = False

    def _renew_if_due(self) -> None:
        if time.monotonic() - self.renewed > settings.NOTIFY_LEASE_SECONDS / 2:
            services.renew_lease(claim=self.claim)
            self.renewed = time.monotonic()

    def _message(self, delivery: Delivery) -> EventMessage | None:
        if delivery.event_id not in self.messages:
            self.messages[delivery.event_id] = build(delivery.event)
        return self.messages[delivery.event_id]

    def _take(self, delivery: Delivery) -> EventMessage | None:
        """The message to send now, or None when this delivery must not be sent."""
        self._renew_if_due()
        message = self._message(delivery)
        if message is None:
            services.release_unsendable(delivery, "the incident or maintenance was deleted")
            return None
        if not services.hold(delivery):
            # Unsubscribed or suppressed meanwhile, or the claim lapsed and went to another.
            services.release_unheld(delivery)
            return None
        return message

    def _send_email(self, delivery: Delivery) -> None:
        message = self._take(delivery)
        if message is None:
            return
        try:
            result = self.email.send(message, delivery.subscriber)
        except Exception as exc:  # a bug or a broken template must not lose the delivery
            logger.exception("sending delivery %s failed", delivery.pk)
            result = Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}")
        self.sent_email |= self._record(delivery, result)

    def _start_webhooks(
        self, waiting: deque[Delivery], in_flight: dict[Future[Result], Delivery]
    ) -> None:
        while waiting and len(in_flight) < settings.NOTIFY_WEBHOOK_CONCURRENCY:
            delivery = waiting.popleft()
            message = self._take(delivery)
            if message is None:
                continue
            ratelimit.acquire()
            data = webhook_body(message, delivery.subscriber)
            in_flight[self.pool.submit(self.webhook.post, delivery.subscriber, data)] = delivery

    def _record_finished(
        self, in_flight: dict[Future[Result], Delivery], *, timeout: float
    ) -> None:
        if not in_flight:
            return
        done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            delivery = in_flight.pop(future)
            try:
                result = future.result()
            except Exception as exc:
                logger.exception("sending delivery %s failed", delivery.pk)
                result = Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}")
            self._record(delivery, result)
        self._renew_if_due()

    def _record(self, delivery: Delivery, result: Result) -> bool:
        """Record the outcome straight away: a crash after this cannot cause a second copy."""
        if result.outcome == Outcome.SENT:
            return services.mark_sent(delivery)
        if result.outcome == Outcome.PERMANENT:
            services.mark_permanent_failure(delivery, result.error)
        else:
            services.mark_temporary_failure(delivery, result.error)
        return False
