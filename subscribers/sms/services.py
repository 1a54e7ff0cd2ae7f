"""Every SMS write: sign-up, the verification code, STOP and START.

A number is verified before its first alert: a six-digit code goes out by text (from the
worker, after commit, like an email confirmation; the sweeper resends one the broker lost), and
only its digest is stored. A code lasts CODE_TTL and takes CODE_MAX_ATTEMPTS wrong guesses; a
new one can be asked for once per CODE_RESEND_INTERVAL and CODES_PER_DAY times a day per number,
across pages, so the sign-up form cannot be used to flood somebody's phone.
"""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from components.models import Component
from events.services import Actor, record_audit
from pages.models import Page

from .. import services
from ..models import Channel, Delivery, DeliveryStatus, Subscriber, SubscriberState
from . import configured
from .numbers import clean_phone

logger = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
CODE_RESEND_INTERVAL = timedelta(seconds=60)
CODES_PER_DAY = 5
# Why a subscriber is unsubscribed when the number texted STOP (kept in suppressed_reason):
# START brings back those, and not the ones who unsubscribed through a link.
STOP_REASON = "replied STOP"
# Twilio's "unsubscribed recipient": the carrier-level block that START lifts.
TWILIO_UNSUBSCRIBED = "Twilio 21610"

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "YES", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO"}


def not_configured() -> ValidationError:
    return ValidationError(
        {
            "phone_number": "SMS is not set up here (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
            "TWILIO_FROM are needed)."
        }
    )


def code_digest(subscriber_id: str, code: str) -> str:
    message = f"sms-code:{subscriber_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def subscribe_sms(
    *,
    page: Page,
    phone_number: str,
    phone_country: str = "",
    components: Iterable[Component] | None = None,
    actor: Actor,
    skip_confirmation: bool = False,
    refuse_suppressed: bool = False,
) -> Subscriber:
    """Ask to subscribe a number: it gets a code to enter (or, with skip_confirmation, an
    operator vouches for it and it is active at once).

    The answer is the same whether the number was new, pending or already active, so the
    public form tells nobody what another number is subscribed to; a suppressed number is
    refused only to an operator (`refuse_suppressed`)."""
    if not configured():
        raise not_configured()
    number = clean_phone(phone_number, phone_country)
    chosen = services._check_components(page, components or [])
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        page=page,
        channel=Channel.SMS,
        phone_number=number.e164,
        defaults={"phone_country": number.country},
    )
    if created:
        record_audit(page=page, actor=actor, action="subscribe", obj=subscriber)
    if subscriber.state == SubscriberState.ACTIVE:
        return subscriber  # the scope changes through the manage link or the API
    if subscriber.state == SubscriberState.SUPPRESSED:
        if refuse_suppressed:
            raise ValidationError(
                {"phone_number": f"{number.e164} is suppressed: {subscriber.suppressed_reason}"}
            )
        return subscriber
    if subscriber.state == SubscriberState.UNSUBSCRIBED:
        subscriber.state = SubscriberState.UNCONFIRMED
        subscriber.suppressed_reason = ""
        subscriber.save(update_fields=["state", "suppressed_reason", "updated_at"])
    services._set_scope(subscriber, chosen)
    if skip_confirmation:
        services._activate(subscriber)
        record_audit(page=page, actor=actor, action="add_subscriber", obj=subscriber)
        return subscriber
    request_code(subscriber)
    return subscriber


def _codes_key(number: str) -> str:
    return f"subscribers:sms:codes:{number}"


def _may_send_code(number: str) -> bool:
    """Under the day's codes for this number. Fails closed: a text costs money and can be
    used to annoy somebody, so without the counter no code goes out."""
    try:
        return int(cache.get(_codes_key(number), 0)) < CODES_PER_DAY
    except Exception:
        logger.warning("SMS code limit: cache unreachable, no code sent")
        return False


def _count_code(number: str) -> None:
    try:
        cache.add(_codes_key(number), 0, 24 * 3600)
        cache.incr(_codes_key(number))
    except Exception:
        logger.warning("SMS code limit: cache unreachable, code not counted")


def request_code(subscriber: Subscriber) -> bool:
    """Owe this unconfirmed number a code, sent by the worker after commit; False when none is
    sent (asked too soon or too often). A conditional UPDATE, so a flood of requests for one
    number sends one code per interval."""
    if subscriber.state != SubscriberState.UNCONFIRMED:
        return False
    if not _may_send_code(subscriber.phone_number):
        return False
    now = timezone.now()
    claimed = (
        Subscriber.objects.filter(pk=subscriber.pk, state=SubscriberState.UNCONFIRMED)
        .filter(
            Q(confirmation_sent_at__isnull=True)
            | Q(confirmation_sent_at__lt=now - CODE_RESEND_INTERVAL)
        )
        .update(confirmation_sent_at=now, confirmation_due=True)
    )
    if not claimed:
        return False
    _count_code(subscriber.phone_number)
    transaction.on_commit(lambda: services._nudge_confirmation(subscriber.pk))
    return True


def new_code(subscriber: Subscriber) -> str:
    """A fresh code for this subscriber; the one before no longer works."""
    code = f"{secrets.randbelow(10**6):06d}"
    Subscriber.objects.filter(pk=subscriber.pk).update(
        code_digest=code_digest(subscriber.pk, code),
        code_sent_at=timezone.now(),
        code_attempts=0,
        updated_at=timezone.now(),
    )
    return code


class Verification(StrEnum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"


VERIFICATION_MESSAGES = {
    Verification.CONFIRMED: "Your number is confirmed.",
    Verification.WRONG: "That code is not right. Check the text we sent and try again.",
    Verification.EXPIRED: "That code has expired. Ask for a new one.",
    Verification.LOCKED: "Too many wrong codes. Ask for a new one.",
}


def _find(page: Page, phone_number: str, phone_country: str) -> Subscriber | None:
    number = clean_phone(phone_number, phone_country)
    return Subscriber.objects.filter(
        page=page, channel=Channel.SMS, phone_number=number.e164
    ).first()


def verify_code(
    *, page: Page, phone_number: str, phone_country: str = "", code: str
) -> Verification:
    """Check a code entered for a number; the right one, in time, makes it active.

    A number that is not pending gets WRONG, as a wrong code does, so the form tells nobody
    which numbers are subscribed. Wrong guesses are counted (and committed) per code."""
    found = _find(page, phone_number, phone_country)
    code = "".join(code.split())
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update().filter(pk=found.pk).first() if found else None
        )
        if subscriber is None or not subscriber.code_digest or subscriber.code_sent_at is None:
            return Verification.WRONG
        right = hmac.compare_digest(subscriber.code_digest, code_digest(subscriber.pk, code))
        if subscriber.state == SubscriberState.ACTIVE:
            # Entered twice, or in two tabs: the right code stays right until it expires.
            fresh = subscriber.code_sent_at > timezone.now() - CODE_TTL
            return Verification.CONFIRMED if right and fresh else Verification.WRONG
        if subscriber.state != SubscriberState.UNCONFIRMED:
            return Verification.WRONG
        if subscriber.code_attempts >= CODE_MAX_ATTEMPTS:
            return Verification.LOCKED
        if subscriber.code_sent_at < timezone.now() - CODE_TTL:
            return Verification.EXPIRED
        if not right:
            subscriber.code_attempts += 1
            subscriber.save(update_fields=["code_attempts", "updated_at"])
            if subscriber.code_attempts >= CODE_MAX_ATTEMPTS:
                return Verification.LOCKED
            return Verification.WRONG
        services.confirm_subscriber(subscriber=subscriber, actor="subscriber (SMS code)")
    return Verification.CONFIRMED


def resend_code(*, page: Page, phone_number: str, phone_country: str = "") -> bool:
    """A new code for a pending number (at most once a CODE_RESEND_INTERVAL)."""
    subscriber = _find(page, phone_number, phone_country)
    if subscriber is None:
        return False
    with transaction.atomic():
        return request_code(subscriber)


def _numbered(number: str) -> "list[Subscriber]":
    return list(
        Subscriber.objects.select_for_update()
        .filter(channel=Channel.SMS, phone_number=number)
        .select_related("page")
    )


@transaction.atomic
def stop_number(*, number: str, actor: Actor = "SMS STOP") -> int:
    """The number texted STOP: unsubscribe it from every page. Idempotent."""
    now = timezone.now()
    count = 0
    for subscriber in _numbered(number):
        if subscriber.state not in (SubscriberState.ACTIVE, SubscriberState.UNCONFIRMED):
            continue
        subscriber.state = SubscriberState.UNSUBSCRIBED
        subscriber.unsubscribed_at = now
        subscriber.suppressed_reason = STOP_REASON
        subscriber.confirmation_due = False
        subscriber.save(
            update_fields=[
                "state",
                "unsubscribed_at",
                "suppressed_reason",
                "confirmation_due",
                "updated_at",
            ]
        )
        Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SUPPRESSED, last_error=STOP_REASON, updated_at=now
        )
        record_audit(page=subscriber.page, actor=actor, action="unsubscribe", obj=subscriber)
        count += 1
    return count


@transaction.atomic
def start_number(*, number: str, actor: Actor = "SMS START") -> int:
    """The number texted START: back on every page it left by STOP (or that Twilio reported as
    unsubscribed); active again where it had been verified, else pending as it was."""
    count = 0
    for subscriber in _numbered(number):
        stopped = (
            subscriber.state == SubscriberState.UNSUBSCRIBED
            and subscriber.suppressed_reason == STOP_REASON
        )
        blocked = subscriber.state == SubscriberState.SUPPRESSED and (
            subscriber.suppressed_reason.startswith(TWILIO_UNSUBSCRIBED)
        )
        if not (stopped or blocked):
            continue
        verified = subscriber.confirmed_at is not None
        subscriber.state = SubscriberState.ACTIVE if verified else SubscriberState.UNCONFIRMED
        subscriber.suppressed_reason = ""
        subscriber.suppressed_at = None
        subscriber.unsubscribed_at = None
        subscriber.save(
            update_fields=[
                "state",
                "suppressed_reason",
                "suppressed_at",
                "unsubscribed_at",
                "updated_at",
            ]
        )
        record_audit(page=subscriber.page, actor=actor, action="resubscribe", obj=subscriber)
        count += 1
    return count


def pages_of(number: str) -> list[str]:
    """Names of the pages this number hears from (for the HELP reply)."""
    return sorted(
        set(
            Subscriber.objects.filter(channel=Channel.SMS, phone_number=number)
            .exclude(state=SubscriberState.SUPPRESSED)
            .values_list("page__name", flat=True)
        )
    )


def sent_today(subscriber: Subscriber) -> int:
    """Texts sent to this subscriber in the last 24 hours (for SMS_DAILY_CAP)."""
    since = timezone.now() - timedelta(hours=24)
    return Delivery.objects.filter(
        subscriber=subscriber, status=DeliveryStatus.SENT, sent_at__gte=since
    ).count()


def keyword(body: str) -> str:
    """ "STOP", "START", "HELP" or "" for an inbound text, as carriers and Twilio match them:
    the whole message, trimmed, in any case, trailing punctuation ignored."""
    word = body.strip().strip(".!").strip().upper()
    if word in STOP_WORDS:
        return "STOP"
    if word in START_WORDS:
        return "START"
    if word in HELP_WORDS:
        return "HELP"
    return ""


# The carrier's verdicts (Twilio's 30xxx errors in a status report) that are about the number:
# the others (30003 handset off, 30007 filtered, 30008 unknown) may pass, and are only logged.
CARRIER_GONE = {
    "30005": "unknown destination handset (the number does not exist)",
    "30006": "landline or unreachable carrier",
}


def carrier_verdict(*, subscriber_id: str, number: str, status: str, error_code: str) -> bool:
    """Suppress the subscriber a text could not reach for good; True if it was suppressed.
    The report must name the subscriber's own number, so a report cannot suppress another."""
    if status not in ("undelivered", "failed") or error_code not in CARRIER_GONE:
        if status in ("undelivered", "failed"):
            logger.info("SMS to %s %s (error %s)", subscriber_id, status, error_code or "none")
        return False
    subscriber = Subscriber.objects.filter(
        pk=subscriber_id, channel=Channel.SMS, phone_number=number
    ).first()
    if subscriber is None:
        return False
    reason = f"Twilio {error_code}: {CARRIER_GONE[error_code]}"
    services.suppress(subscriber=subscriber, reason=reason, actor="Twilio")
    return True
