"""A sender works through due deliveries, each provider at its own rate, holding its claims.

Each provider (`Transport.provider`: email, the generic webhook, each chat service, Twilio) has
its own shared rate limit (ratelimit.py). The sender goes round the providers that have work:
for each it takes as many of this second's tokens as it can get, at most NOTIFY_BATCH_SIZE,
without waiting, claims that many of the provider's due deliveries and sends them. A provider
with no tokens left this second is passed over until the next round, so a throttled Slack never
holds up email: the sender sleeps only when every provider with work has used its second.

A claim is a lease (NOTIFY_LEASE_SECONDS): the sender renews it while it works, checks just
before each message that it still holds the delivery and that the subscriber is still active,
and records each outcome only where its claim still matches. A sender that dies stops
renewing, and the sweeper hands its deliveries to the others once the lease runs out.

Each delivery goes through its channel's transport (subscribers/channels.py). Emails go one
after another over one SMTP connection. Webhooks, and any transport that is `pooled`, go to a
small pool of threads (NOTIFY_WEBHOOK_CONCURRENCY), so an endpoint that answers slowly holds up
one thread for at most NOTIFY_WEBHOOK_TIMEOUT, not the rest of the batch; each subscriber has
at most one message in flight, so its messages arrive in the claim's order. The threads only do
the call (`Transport.deliver`): holding, preparing the body and recording stay in the sender's
own thread and database connection.
"""

import logging
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings

from . import ratelimit, services
from .channels import TRANSPORTS
from .messages import EventMessage, build
from .models import Delivery
from .transports import Outcome, Result, Transport

logger = logging.getLogger(__name__)


def channels_by_provider() -> dict[str, list[str]]:
    """The channels each provider carries, from the transports table as it is now."""
    lanes: dict[str, list[str]] = {}
    for channel, transport in TRANSPORTS.items():
        lanes.setdefault(transport.provider, []).append(channel)
    return lanes


class Sender:
    def __init__(self) -> None:
        self.transports: dict[str, Transport] = {}
        self.pool = ThreadPoolExecutor(
            max_workers=settings.NOTIFY_WEBHOOK_CONCURRENCY, thread_name_prefix="webhook"
        )
        self.messages: dict[int, EventMessage | None] = {}
        self.claim = ""
        self.renewed = 0.0
        self.heartbeats: set[str] = set()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for transport in self.transports.values():
            transport.close()

    def _transport(self, delivery: Delivery) -> Transport:
        channel = delivery.subscriber.channel
        if channel not in self.transports:
            self.transports[channel] = TRANSPORTS[channel]()
        return self.transports[channel]

    def send_due(self, *, budget: float) -> bool:
        """Send due deliveries until none are left (True) or `budget` seconds have gone (False:
        the caller hands over to a fresh sender)."""
        lanes = channels_by_provider()
        open_providers = sorted(lanes)
        started = time.monotonic()
        while open_providers:
            if time.monotonic() - started > budget:
                return False
            sent = False
            for provider in list(open_providers):
                tokens = ratelimit.take(provider, settings.NOTIFY_BATCH_SIZE)
                if not tokens.count:
                    continue  # its second is used up: the others go on
                batch = services.claim_deliveries(limit=tokens.count, channels=lanes[provider])
                ratelimit.give_back(tokens, tokens.count - len(batch))
                if len(batch) < tokens.count:
                    # All its due deliveries are claimed; retries that fall due later are
                    # started by the sweeper.
                    open_providers.remove(provider)
                if batch:
                    self.send_batch(batch)
                    sent = True
            if not sent and open_providers:
                ratelimit.next_second()
        return True

    def send_batch(self, batch: list[Delivery]) -> None:
        """Send every delivery of one claim and record each outcome as soon as it is known."""
        self.claim, self.renewed = batch[0].claim, time.monotonic()
        waiting = deque(d for d in batch if self._transport(d).pooled)
        in_flight: dict[Future[Result], Delivery] = {}
        for delivery in batch:
            if not self._transport(delivery).pooled:
                self._start_pooled(waiting, in_flight)
                self._send_now(delivery)
                self._record_finished(in_flight, timeout=0)
        while waiting or in_flight:
            self._start_pooled(waiting, in_flight)
            # Wake now and then to renew the lease while slow endpoints keep the threads busy.
            self._record_finished(in_flight, timeout=settings.NOTIFY_LEASE_SECONDS / 4)
        for name in sorted(self.heartbeats):
            services.beat(name)
        self.heartbeats.clear()

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

    def _prepare(self, delivery: Delivery) -> tuple[Transport, Any] | None:
        """What to hand the delivery's transport, or None when nothing is to be sent now."""
        message = self._take(delivery)
        if message is None:
            return None
        transport = self._transport(delivery)
        try:
            return transport, transport.prepare(delivery.subscriber, message)
        except Exception as exc:  # a bug or a broken template must not lose the delivery
            self._failed(delivery, exc)
            return None

    def _send_now(self, delivery: Delivery) -> None:
        prepared = self._prepare(delivery)
        if prepared is None:
            return
        transport, data = prepared
        try:
            result = transport.deliver(delivery.subscriber, data)
        except Exception as exc:
            self._failed(delivery, exc)
            return
        self._record(delivery, result)

    def _start_pooled(
        self, waiting: deque[Delivery], in_flight: dict[Future[Result], Delivery]
    ) -> None:
        # One message at a time to each subscriber, in the claim's order: an incident opened and
        # resolved in one batch reaches a chat channel as opened, then resolved.
        busy = {d.subscriber_id for d in in_flight.values()}
        held: list[Delivery] = []
        while waiting and len(in_flight) < settings.NOTIFY_WEBHOOK_CONCURRENCY:
            delivery = waiting.popleft()
            if delivery.subscriber_id in busy:
                held.append(delivery)
                continue
            prepared = self._prepare(delivery)
            if prepared is None:
                continue
            transport, data = prepared
            busy.add(delivery.subscriber_id)
            in_flight[self.pool.submit(transport.deliver, delivery.subscriber, data)] = delivery
        waiting.extendleft(reversed(held))

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
                self._failed(delivery, exc)
                continue
            self._record(delivery, result)
        self._renew_if_due()

    def _failed(self, delivery: Delivery, exc: Exception) -> None:
        logger.exception("sending delivery %s failed", delivery.pk)
        self._record(delivery, Result(Outcome.TEMPORARY, f"{type(exc).__name__}: {exc}"))

    def _record(self, delivery: Delivery, result: Result) -> None:
        """Record the outcome straight away: a crash after this cannot cause a second copy."""
        if result.outcome == Outcome.SENT:
            heartbeat = self._transport(delivery).heartbeat
            if services.mark_sent(delivery) and heartbeat:
                self.heartbeats.add(heartbeat)
        elif result.outcome == Outcome.PERMANENT:
            services.mark_permanent_failure(delivery, result.error)
        elif result.outcome == Outcome.SKIPPED:
            services.mark_skipped(delivery, result.error)
        else:
            services.mark_temporary_failure(delivery, result.error, result.retry_after)
