"""Every write to subscribers and deliveries goes through here.

Subscribing, confirming and unsubscribing; fanning an outbox event out into delivery rows;
claiming deliveries for a sender and recording each outcome as soon as it is known.
"""

import csv
import io
import logging
import math
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from components.models import Component
from components.scope import check_page_scope
from events.models import EventKind, OutboxEvent
from events.services import Actor, mark_fanned_out, record_audit
from pages.models import Page
from statuspage import broker

from .models import (
    CHAT_CHANNELS,
    Channel,
    Delivery,
    DeliveryStatus,
    Heartbeat,
    Subscriber,
    SubscriberState,
)
from .validation import clean_chat_endpoint, clean_email, clean_endpoint

logger = logging.getLogger(__name__)

# However often one address is submitted, it gets at most one confirmation per this interval.
CONFIRMATION_INTERVAL = timedelta(hours=1)
# How many sender tasks one event may start; more workers than this sit idle for it.
MAX_SENDERS = 16

# What an incident subscriber hears about (for its own incident).
INCIDENT_SUBSCRIBER_KINDS = {
    EventKind.INCIDENT_OPENED,
    EventKind.INCIDENT_UPDATED,
    EventKind.INCIDENT_RESOLVED,
    EventKind.POSTMORTEM_PUBLISHED,
}
NOTIFYING_KINDS = {
    EventKind.INCIDENT_OPENED,
    EventKind.INCIDENT_UPDATED,
    EventKind.INCIDENT_RESOLVED,
    EventKind.POSTMORTEM_PUBLISHED,
    EventKind.MAINTENANCE_SCHEDULED,
    EventKind.MAINTENANCE_RESCHEDULED,
    EventKind.MAINTENANCE_REMINDER,
    EventKind.MAINTENANCE_STARTED,
    EventKind.MAINTENANCE_UPDATED,
    EventKind.MAINTENANCE_COMPLETED,
    EventKind.MAINTENANCE_CANCELLED,
}


# Subscribing ----------------------------------------------------------------------------------


def _check_components(page: Page, components: Iterable[Component]) -> list[Component]:
    return check_page_scope(page.pk, components)


def _set_scope(subscriber: Subscriber, components: list[Component] | None) -> None:
    subscriber.all_components = not components
    subscriber.save(update_fields=["all_components", "updated_at"])
    subscriber.components.set(components or [])


def _claim_confirmation(subscriber: Subscriber) -> bool:
    """True for the one request per interval that may send a confirmation (a conditional UPDATE,
    so a flood of concurrent requests for one address sends one message)."""
    now = timezone.now()
    claimed = (
        Subscriber.objects.filter(pk=subscriber.pk)
        .filter(
            Q(confirmation_sent_at__isnull=True)
            | Q(confirmation_sent_at__lt=now - CONFIRMATION_INTERVAL)
        )
        .update(confirmation_sent_at=now, confirmation_due=True)
    )
    return claimed == 1


def take_confirmation(subscriber_id: str) -> Subscriber | None:
    """The subscriber whose owed confirmation this caller sends, or None if none is owed."""
    taken = Subscriber.objects.filter(
        pk=subscriber_id, confirmation_due=True, state=SubscriberState.UNCONFIRMED
    ).update(confirmation_due=False)
    if not taken:
        return None
    return Subscriber.objects.select_related("page").get(pk=subscriber_id)


def owe_confirmation(subscriber: Subscriber) -> None:
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_due=True)


@transaction.atomic
def subscribe_email(
    *, page: Page, email: str, components: Iterable[Component] | None = None, actor: Actor
) -> Subscriber:
    """Ask to subscribe: the address gets a confirmation link (at most once an hour)."""
    address = clean_email(email)
    chosen = _check_components(page, components or [])
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        page=page, channel=Channel.EMAIL, email=address, incident=None
    )
    if subscriber.state == SubscriberState.SUPPRESSED:
        return subscriber  # the mail server refused it; asking again sends nothing
    if subscriber.state == SubscriberState.ACTIVE:
        return subscriber  # already confirmed; the scope changes through the manage link
    if subscriber.state == SubscriberState.UNSUBSCRIBED:
        subscriber.state = SubscriberState.UNCONFIRMED
        subscriber.save(update_fields=["state", "updated_at"])
    _set_scope(subscriber, chosen)
    if created:
        record_audit(page=page, actor=actor, action="subscribe", obj=subscriber)
    _send_confirmation_once(subscriber)
    return subscriber


def _send_confirmation_once(subscriber: Subscriber) -> bool:
    """Send the confirmation after commit, unless one went out within the interval."""
    if not _claim_confirmation(subscriber):
        return False
    transaction.on_commit(lambda: _nudge_confirmation(subscriber.pk))
    return True


def _nudge_confirmation(subscriber_id: str) -> None:
    broker.publish("subscribers.tasks.send_confirmation", subscriber_id)


def start_senders(count: int) -> None:
    """Enqueue enough sender tasks for `count` due deliveries (a best-effort nudge: the sweeper
    finds what the broker loses)."""
    for _ in range(min(MAX_SENDERS, max(1, math.ceil(count / settings.NOTIFY_BATCH_SIZE)))):
        broker.publish("subscribers.tasks.send_due")


def _activate(subscriber: Subscriber) -> None:
    """Active from now on: confirmed by its holder, or vouched for by an operator."""
    subscriber.state = SubscriberState.ACTIVE
    subscriber.confirmed_at = timezone.now()
    subscriber.save(update_fields=["state", "confirmed_at", "updated_at"])


@transaction.atomic
def confirm_subscriber(*, subscriber: Subscriber, actor: Actor) -> Subscriber:
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state == SubscriberState.UNCONFIRMED:
        _activate(subscriber)
        record_audit(page=subscriber.page, actor=actor, action="confirm", obj=subscriber)
    return subscriber


@transaction.atomic
def unsubscribe(*, subscriber: Subscriber, actor: Actor) -> Subscriber:
    """Idempotent: unsubscribing twice is the same as once."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state in (SubscriberState.ACTIVE, SubscriberState.UNCONFIRMED):
        subscriber.state = SubscriberState.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["state", "unsubscribed_at", "updated_at"])
        Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SUPPRESSED, last_error="unsubscribed"
        )
        record_audit(page=subscriber.page, actor=actor, action="unsubscribe", obj=subscriber)
    return subscriber


@transaction.atomic
def change_components(
    *, subscriber: Subscriber, components: Iterable[Component] | None, actor: Actor
) -> Subscriber:
    """An empty choice means the whole page."""
    chosen = _check_components(subscriber.page, components or [])
    _set_scope(subscriber, chosen)
    record_audit(
        page=subscriber.page,
        actor=actor,
        action="change_components",
        obj=subscriber,
        after={"components": [c.pk for c in chosen]},
    )
    return subscriber


@transaction.atomic
def suppress(*, subscriber: Subscriber, reason: str, actor: Actor) -> Subscriber:
    """Never send to this address or endpoint again (hard bounce, complaint, 550, HTTP 410)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state != SubscriberState.SUPPRESSED:
        subscriber.state = SubscriberState.SUPPRESSED
        subscriber.suppressed_at = timezone.now()
        subscriber.suppressed_reason = reason[:300]
        subscriber.save(update_fields=["state", "suppressed_at", "suppressed_reason", "updated_at"])
        Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SUPPRESSED, last_error=reason[:1000]
        )
        record_audit(
            page=subscriber.page,
            actor=actor,
            action="suppress",
            obj=subscriber,
            after={"reason": reason[:300]},
        )
    return subscriber


def suppress_address(*, email: str, reason: str, actor: Actor) -> int:
    """Suppress every email subscriber with this address (ESP bounce and complaint reports)."""
    count = 0
    for subscriber in Subscriber.objects.filter(channel=Channel.EMAIL, email__iexact=email):
        suppress(subscriber=subscriber, reason=reason, actor=actor)
        count += 1
    return count


@transaction.atomic
def add_email_subscriber(
    *,
    page: Page,
    email: str,
    actor: Actor,
    components: Iterable[Component] | None = None,
    skip_confirmation: bool = False,
) -> Subscriber:
    """An operator adds an address; with skip_confirmation it is active at once."""
    if not skip_confirmation:
        return subscribe_email(page=page, email=email, components=components, actor=actor)
    address = clean_email(email)
    chosen = _check_components(page, components or [])
    subscriber, _ = Subscriber.objects.select_for_update().get_or_create(
        page=page, channel=Channel.EMAIL, email=address, incident=None
    )
    if subscriber.state == SubscriberState.SUPPRESSED:
        raise ValidationError({"email": f"{address} is suppressed: {subscriber.suppressed_reason}"})
    _set_scope(subscriber, chosen)
    if subscriber.state != SubscriberState.ACTIVE:
        _activate(subscriber)
    record_audit(page=page, actor=actor, action="add_subscriber", obj=subscriber)
    return subscriber


@transaction.atomic
def add_webhook_subscriber(
    *,
    page: Page,
    endpoint: str,
    actor: Actor,
    email: str = "",
    components: Iterable[Component] | None = None,
) -> Subscriber:
    """A webhook endpoint, confirmed once it answers a signed test ping with 2xx."""
    url = clean_endpoint(endpoint)
    contact = clean_email(email) if email else ""
    chosen = _check_components(page, components or [])
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        page=page,
        channel=Channel.WEBHOOK,
        endpoint=url,
        incident=None,
        defaults={"email": contact, "secret": secrets.token_hex(32)},
    )
    if subscriber.state == SubscriberState.ACTIVE:
        return subscriber
    if subscriber.state != SubscriberState.UNCONFIRMED:
        subscriber.state = SubscriberState.UNCONFIRMED
        subscriber.suppressed_at = None
        subscriber.save(update_fields=["state", "suppressed_at", "updated_at"])
    _set_scope(subscriber, chosen)
    if created:
        record_audit(page=page, actor=actor, action="add_webhook", obj=subscriber)
    _send_confirmation_once(subscriber)
    return subscriber


@dataclass
class ChatSignUp:
    """A chat sign-up between its two steps: the subscriber the test message goes to, and
    what to make of it once the provider has answered."""

    subscriber: Subscriber
    created: bool
    contact: str
    components: list[Component]


def start_chat_subscriber(
    *,
    page: Page,
    channel: str,
    endpoint: str,
    email: str = "",
    components: Iterable[Component] | None = None,
) -> ChatSignUp:
    """Check the sign-up and find or make its subscriber (unconfirmed when new), for the test
    message; nothing else changes until `finish_chat_subscriber`. (The test is sent by
    subscribers/chat/signup.py, outside any transaction.)"""
    if channel not in CHAT_CHANNELS:
        raise ValidationError({"endpoint": "This chat channel is not available."})
    url = clean_chat_endpoint(channel, endpoint)
    contact = clean_email(email) if email else ""
    chosen = _check_components(page, components or [])
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            page=page, channel=channel, endpoint=url, incident=None, defaults={"email": contact}
        )
        if subscriber.state != SubscriberState.ACTIVE:
            _set_scope(subscriber, chosen)  # the test message names the chosen components
    return ChatSignUp(subscriber=subscriber, created=created, contact=contact, components=chosen)


def drop_chat_subscriber(signup: ChatSignUp) -> None:
    """The test message was refused: a subscriber made for it goes again."""
    if signup.created:
        Subscriber.objects.filter(
            pk=signup.subscriber.pk, state=SubscriberState.UNCONFIRMED
        ).delete()


@transaction.atomic
def finish_chat_subscriber(*, signup: ChatSignUp, actor: Actor) -> Subscriber:
    """The test message was accepted: the subscriber is active (again), with its scope."""
    subscriber = Subscriber.objects.select_for_update().filter(pk=signup.subscriber.pk).first()
    if subscriber is None:  # a concurrent sign-up of the same URL failed and removed it
        raise ValidationError({"endpoint": "The channel changed meanwhile: add it again."})
    if subscriber.state == SubscriberState.ACTIVE:
        return subscriber  # signed up again: a new test message, nothing else changes
    subscriber.state = SubscriberState.ACTIVE
    subscriber.confirmed_at = timezone.now()
    subscriber.suppressed_at = None
    subscriber.suppressed_reason = ""
    subscriber.unsubscribed_at = None
    if signup.contact:
        subscriber.email = signup.contact
    subscriber.save()
    _set_scope(subscriber, signup.components)
    record_audit(
        page=subscriber.page,
        actor=actor,
        action="add_chat" if signup.created else "resubscribe_chat",
        obj=subscriber,
        after={"channel": subscriber.channel},
    )
    return subscriber


@transaction.atomic
def add_incident_subscriber(
    *, incident: Any, email: str, actor: Actor, skip_confirmation: bool = False
) -> Subscriber:
    """An email subscriber to one incident; confirmed by link as page subscribers are."""
    page = incident.page
    if not page.allow_incident_subscribers:
        raise ValidationError(
            "This page does not take incident subscribers (allow_incident_subscribers is off)."
        )
    address = clean_email(email)
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        page=page, channel=Channel.EMAIL, email=address, incident=incident
    )
    if subscriber.state == SubscriberState.SUPPRESSED:
        raise ValidationError({"email": f"{address} is suppressed: {subscriber.suppressed_reason}"})
    if subscriber.state == SubscriberState.ACTIVE:
        return subscriber
    if skip_confirmation:
        _activate(subscriber)
        record_audit(page=page, actor=actor, action="add_subscriber", obj=subscriber)
        return subscriber
    if subscriber.state == SubscriberState.UNSUBSCRIBED:
        subscriber.state = SubscriberState.UNCONFIRMED
        subscriber.save(update_fields=["state", "updated_at"])
    if created:
        record_audit(page=page, actor=actor, action="subscribe", obj=subscriber)
    _send_confirmation_once(subscriber)
    return subscriber


def resend_confirmation(subscriber: Subscriber) -> bool:
    """Send the confirmation link again (at most once an interval); False if none is sent."""
    if subscriber.state != SubscriberState.UNCONFIRMED:
        return False
    return _send_confirmation_once(subscriber)


@dataclass
class ImportResult:
    added: int
    errors: list[str]


def import_subscribers(
    *, page: Page, csv_text: str, actor: Actor, skip_confirmation: bool = True
) -> ImportResult:
    """Rows of `email[,component names or ids separated by ;]`; a header row is skipped.

    Each row is saved on its own, so one bad address does not lose the others.
    """
    by_key: dict[str, Component] = {}
    for component in Component.objects.for_page(page):
        by_key[component.pk] = component
        by_key[component.name.strip().lower()] = component
    added, errors = 0, []
    for number, row in enumerate(csv.reader(io.StringIO(csv_text)), start=1):
        if not row or not row[0].strip():
            continue
        if number == 1 and row[0].strip().lower() in {"email", "address", "email address"}:
            continue
        wanted = [k.strip() for k in (row[1] if len(row) > 1 else "").split(";") if k.strip()]
        unknown = [k for k in wanted if k not in by_key and k.lower() not in by_key]
        if unknown:
            errors.append(f"line {number}: unknown component {', '.join(unknown)}")
            continue
        chosen = [by_key.get(k) or by_key[k.lower()] for k in wanted]
        try:
            add_email_subscriber(
                page=page,
                email=row[0],
                components=chosen,
                actor=actor,
                skip_confirmation=skip_confirmation,
            )
        except ValidationError as exc:
            errors.append(f"line {number}: {'; '.join(exc.messages)}")
            continue
        added += 1
    return ImportResult(added=added, errors=errors)


# Fan-out --------------------------------------------------------------------------------------


def touched_components(event: OutboxEvent) -> set[str] | None:
    """Ids of the components the event is about; None when its subject is gone."""
    from incidents.models import Incident, IncidentUpdate
    from maintenance.models import Maintenance

    if event.subject_type == "incident":
        incident = Incident.objects.filter(pk=event.subject_id).first()
        if incident is None:
            return None
        ids = set(incident.components.values_list("pk", flat=True))
        update_id = event.payload.get("update_id")
        if update_id:
            update = IncidentUpdate.objects.filter(pk=update_id).first()
            for entry in (update.affected_components or []) if update else []:
                ids.add(entry.get("code", ""))
        return ids
    if event.subject_type == "maintenance":
        m = Maintenance.objects.filter(pk=event.subject_id).first()
        if m is None:
            return None
        return set(m.components.values_list("pk", flat=True))
    if event.subject_type == "component":
        return {t.get("code", "") for t in event.payload.get("transitions", [])}
    return set()


def recipients(event: OutboxEvent) -> Any:
    """Active subscribers of the event's page who asked to hear about it.

    Whole-page subscribers hear about everything; component subscribers only about events that
    touch one of their components (as on Statuspage), so an incident with no components reaches
    whole-page subscribers only.
    """
    touched = touched_components(event)
    if touched is None:
        return Subscriber.objects.none()
    scope = Q(all_components=True)
    if touched:
        scope |= Q(components__in=touched)
    scope &= Q(incident__isnull=True)
    if event.subject_type == "incident" and event.kind in INCIDENT_SUBSCRIBER_KINDS:
        # Incident subscribers hear about their own incident only.
        scope |= Q(incident_id=event.subject_id)
    return (
        Subscriber.objects.active()
        .filter(page_id=event.page_id)
        .filter(scope)
        .values_list("pk", flat=True)
        .distinct()
    )


def fan_out(*, event_id: int) -> int:
    """Create one pending delivery per recipient; a no-op for an event already fanned out."""
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.fanned_out_at is not None:
            return 0
        created = 0
        ids: list[str] = []
        if event.notify and event.kind in NOTIFYING_KINDS:
            ids = list(recipients(event))
        elif event.kind == EventKind.COMPONENT_STATUS_CHANGED:
            # Statuspage's `component_update` webhook: endpoints only, never email.
            ids = list(recipients(event).filter(channel=Channel.WEBHOOK))
        if ids:
            now = timezone.now()
            for start in range(0, len(ids), 2000):
                rows = [
                    Delivery(event=event, subscriber_id=pk, next_attempt_at=now)
                    for pk in ids[start : start + 2000]
                ]
                Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
            created = len(ids)
        mark_fanned_out(event=event)
    return created


# Sending --------------------------------------------------------------------------------------


def lease_end() -> Any:
    return timezone.now() + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


def claim_deliveries(*, limit: int, channels: Collection[str] | None = None) -> list[Delivery]:
    """Take up to `limit` due deliveries for this sender, on a lease of NOTIFY_LEASE_SECONDS;
    with `channels`, only deliveries to subscribers of those channels (one provider's).

    PostgreSQL skips rows other senders are claiming (SKIP LOCKED); everywhere the conditional
    UPDATE (still pending, or its lease run out) makes sure one row goes to one sender. A
    dead sender's deliveries are taken over here as soon as its lease runs out.

    Each row carries the claim's token: the sender renews the lease, checks it before each send
    and records outcomes only where the token still matches, so a claim handed to another
    sender is never used twice.
    """
    token = secrets.token_hex(16)
    now = timezone.now()
    with transaction.atomic():
        due = Delivery.objects.claimable().order_by("next_attempt_at", "id")
        if channels is not None:
            # A subquery per due row, not a join: PostgreSQL plans a join from the subscribers'
            # statistics, and where those are missing or stale (after an import, before
            # autovacuum has run) it chose a nested loop that took seconds per claim. This
            # costs one primary-key lookup per due row, whatever the statistics say.
            subscriber = Subscriber.objects.filter(pk=OuterRef("subscriber_id")).order_by()
            channel = Subquery(subscriber.values("channel")[:1])
            due = due.annotate(subscriber_channel=channel).filter(
                subscriber_channel__in=list(channels)
            )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.claimable().filter(pk__in=ids).update(
            status=DeliveryStatus.SENDING, claim=token, claimed_at=now, lease_until=lease_end()
        )
    return list(
        Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
        .select_related("subscriber__page", "event__page")
        .order_by("id")
    )


def _held(delivery: Delivery) -> Any:
    return Delivery.objects.filter(
        pk=delivery.pk, claim=delivery.claim, status=DeliveryStatus.SENDING
    )


def renew_lease(*, claim: str) -> int:
    """Extend the lease on every delivery this claim still holds; how many those are."""
    return Delivery.objects.filter(claim=claim, status=DeliveryStatus.SENDING).update(
        lease_until=lease_end()
    )


def hold(delivery: Delivery) -> bool:
    """Just before sending: True if this sender still holds the delivery and its subscriber is
    still active. False: send nothing.

    A read, not a write: the sender renews its lease every half lease (renew_lease), so a row
    whose lease is still running cannot be claimed by another sender before the message is out,
    and the outcome is recorded only where the claim still matches. A write here would cost a
    commit per message on top of the one that records it."""
    return (
        _held(delivery)
        .filter(lease_until__gt=timezone.now(), subscriber__state=SubscriberState.ACTIVE)
        .exists()
    )


def _record(delivery: Delivery, **fields: Any) -> bool:
    recorded = bool(_held(delivery).update(**fields, updated_at=timezone.now()))
    if not recorded:
        logger.warning("delivery %s: outcome not recorded, its claim has lapsed", delivery.pk)
    return recorded


def mark_sent(delivery: Delivery) -> bool:
    return _record(
        delivery,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        attempts=delivery.attempts + 1,
        last_error="",
        lease_until=None,
    )


# The longest wait between two attempts, whatever the backoff or a provider's Retry-After says.
MAX_RETRY_DELAY = timedelta(hours=1)


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff from NOTIFY_RETRY_BASE_SECONDS; a provider's Retry-After (seconds)
    makes it longer, never shorter (a `Retry-After: 0` must not turn a retry into a hammering),
    and neither goes past MAX_RETRY_DELAY."""
    base = settings.NOTIFY_RETRY_BASE_SECONDS
    delay = timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=max(retry_after, 0.0)))
    return min(delay, MAX_RETRY_DELAY)


def mark_temporary_failure(
    delivery: Delivery, error: str, retry_after: float | None = None
) -> bool:
    """Retry later with exponential backoff, and not before the provider's Retry-After (seconds)
    when it sent one; or give up after NOTIFY_MAX_ATTEMPTS."""
    attempts = delivery.attempts + 1
    final = attempts >= settings.NOTIFY_MAX_ATTEMPTS
    return _record(
        delivery,
        status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
        attempts=attempts,
        last_error=error[:1000],
        next_attempt_at=timezone.now() + retry_delay(attempts, retry_after),
        claim="",
        lease_until=None,
    )


def mark_permanent_failure(delivery: Delivery, error: str) -> bool:
    """The address or endpoint is refused for good: suppress it, and this delivery with it.

    The refusal is a fact about the address even when the claim has lapsed meanwhile."""
    recorded = _record(
        delivery,
        status=DeliveryStatus.SUPPRESSED,
        attempts=delivery.attempts + 1,
        last_error=error[:1000],
        lease_until=None,
    )
    suppress(subscriber=delivery.subscriber, reason=error, actor="mail server")
    return recorded


def mark_skipped(delivery: Delivery, reason: str) -> bool:
    """Not sent on purpose (over the SMS daily cap): failed with the reason, not retried; the
    admin's resend gives it another chance."""
    return _record(
        delivery,
        status=DeliveryStatus.FAILED,
        last_error=reason[:1000],
        claim="",
        lease_until=None,
    )


def release_unsendable(delivery: Delivery, reason: str) -> bool:
    """The subscriber left or was suppressed after the fan-out: nothing to send."""
    return _record(delivery, status=DeliveryStatus.SUPPRESSED, last_error=reason, lease_until=None)


def release_unheld(delivery: Delivery) -> bool:
    """`hold` said no: if the claim is still ours, say the subscriber left. (A lapsed lease is
    left to the sweeper, and a claim another sender took, to that sender.)"""
    state = Subscriber.objects.filter(pk=delivery.subscriber_id).values_list("state", flat=True)
    released = (
        _held(delivery)
        .exclude(subscriber__state=SubscriberState.ACTIVE)
        .update(
            status=DeliveryStatus.SUPPRESSED,
            last_error=f"subscriber {state.first() or 'deleted'}",
            lease_until=None,
            updated_at=timezone.now(),
        )
    )
    return released == 1


@transaction.atomic
@transaction.atomic
def resend_failures(*, event: OutboxEvent, actor: Actor) -> int:
    """Give failed deliveries of an event to active subscribers a fresh set of attempts, and
    start senders for them after commit."""
    count = Delivery.objects.filter(
        event=event,
        status=DeliveryStatus.FAILED,
        subscriber__state=SubscriberState.ACTIVE,
    ).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claim="",
        updated_at=timezone.now(),
    )
    if count:
        record_audit(
            page=event.page, actor=actor, action="resend", obj=event, after={"deliveries": count}
        )
        transaction.on_commit(lambda: start_senders(count))
    return count


@dataclass
class Sweep:
    events: list[int]
    released: int
    due: int
    confirmations: list[str]


def sweep() -> Sweep:
    """Find what the broker lost: events not fanned out, claims whose lease ran out (their
    sender died), due retries and owed confirmations."""
    now = timezone.now()
    confirmations = list(
        Subscriber.objects.filter(
            confirmation_due=True,
            state=SubscriberState.UNCONFIRMED,
            confirmation_sent_at__lt=now - timedelta(seconds=5),
        ).values_list("pk", flat=True)[:500]
    )
    events = list(
        OutboxEvent.objects.not_fanned_out()
        .filter(created_at__lt=now - timedelta(seconds=2))
        .values_list("pk", flat=True)[:500]
    )
    # A live sender renews its lease while it works through a batch; one whose lease ran out
    # has died (or lost its database), and its deliveries go back to the others.
    released = Delivery.objects.filter(status=DeliveryStatus.SENDING, lease_until__lt=now).update(
        status=DeliveryStatus.PENDING, claim="", lease_until=None, updated_at=now
    )
    due = Delivery.objects.due().count()
    return Sweep(events=events, released=released, due=due, confirmations=confirmations)


def beat(name: str) -> None:
    """Record that a part of the pipeline was seen working."""
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
