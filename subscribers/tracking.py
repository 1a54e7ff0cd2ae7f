"""Bounces and complaints an email service provider reports through django-anymail's tracking
webhook (/anymail/<esp>/tracking/) suppress the address, so it is never mailed again."""

import logging
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType

from . import services

logger = logging.getLogger(__name__)

# Postmark reports soft bounces as "bounced" too; those are retried by the provider, not fatal.
SOFT_BOUNCES = {"SoftBounce", "Transient", "DnsError"}


def is_permanent(event: AnymailTrackingEvent) -> bool:
    if event.event_type in (EventType.COMPLAINED, EventType.REJECTED):
        return True
    if event.event_type == EventType.BOUNCED:
        raw = event.esp_event if isinstance(event.esp_event, dict) else {}
        return raw.get("Type") not in SOFT_BOUNCES
    return False


def handle_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    if not event.recipient:
        return
    if event.event_type == EventType.UNSUBSCRIBED:
        for subscriber in services.Subscriber.objects.filter(email__iexact=event.recipient):
            services.unsubscribe(subscriber=subscriber, actor=esp_name)
        return
    if not is_permanent(event):
        return
    reason = f"{esp_name}: {event.event_type}"
    if event.description:
        reason += f" ({event.description})"
    count = services.suppress_address(email=event.recipient, reason=reason, actor=esp_name)
    logger.info("suppressed %s subscriber(s) for %s: %s", count, event.recipient, reason)
