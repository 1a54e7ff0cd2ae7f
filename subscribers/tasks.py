"""Celery tasks: thin wrappers around the services. They take ids only.

`enqueue` is the best-effort nudge: it hands the task to this process's publisher thread
(statuspage/broker.py), so a web request never waits on a dead or hung Redis. Whatever it fails
to enqueue, the sweeper (beat, every NOTIFY_SWEEP_SECONDS) finds in the database.
"""

import logging
from typing import Any

from celery import shared_task

from statuspage import broker

from . import ratelimit, services
from .channels import TRANSPORTS
from .models import Delivery
from .sending import Sender
from .services import start_senders

logger = logging.getLogger(__name__)

# A sender hands over to a fresh task after this long, so a long queue never pins one worker.
SENDER_BUDGET_SECONDS = 60


def enqueue(task: str, *args: Any) -> bool:
    """Publish a task in the background; never raise, never wait on the broker."""
    return broker.publish(task, *args)


def nudge_event(event_id: int) -> None:
    enqueue("subscribers.tasks.fan_out", event_id)


@shared_task(acks_late=True, ignore_result=True)
def fan_out(event_id: int) -> None:
    services.beat("worker")
    created = services.fan_out(event_id=event_id)
    if created:
        start_senders(created)


@shared_task(acks_late=True, ignore_result=True)
def send_due() -> None:
    """Claim due deliveries in batches, each provider's at its own rate, until none are left.

    Every sender serves every provider (sending.Sender.send_due), so however few workers run,
    one provider waiting on its rate limit does not keep the others' messages waiting."""
    services.beat("worker")
    sender = Sender()
    try:
        if not sender.send_due(budget=SENDER_BUDGET_SECONDS):
            enqueue("subscribers.tasks.send_due")
    finally:
        sender.close()


@shared_task(acks_late=True, ignore_result=True)
def send_confirmation(subscriber_id: str) -> None:
    subscriber = services.take_confirmation(subscriber_id)
    if subscriber is None:
        return
    transport = TRANSPORTS[subscriber.channel]()
    try:
        ratelimit.acquire(transport.provider)
        transport.confirm(subscriber)
    finally:
        transport.close()


@shared_task(acks_late=True, ignore_result=True)
def sweep() -> None:
    """Beat runs this every NOTIFY_SWEEP_SECONDS; running it twice changes nothing."""
    services.beat("scheduler")
    services.beat("worker")
    found = services.sweep()
    for event_id in found.events:
        services.fan_out(event_id=event_id)
    for subscriber_id in found.confirmations:
        enqueue("subscribers.tasks.send_confirmation", subscriber_id)
    due = found.due if not found.events else Delivery.objects.due().count()
    if due:
        start_senders(due)
    if found.events or found.released:
        logger.info(
            "sweeper: fanned out %d events, released %d stuck deliveries",
            len(found.events),
            found.released,
        )
