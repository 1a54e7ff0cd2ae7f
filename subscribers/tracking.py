"""Bounces and complaints an email service provider reports through its tracking webhook
(/anymail/<esp>/tracking/) suppress the address, so it is never mailed again.

Such a report unsubscribes or suppresses real people, so the webhook is authenticated or absent:
it answers only for the provider of EMAIL_BACKEND, only when ANYMAIL_WEBHOOK_SECRET (HTTP basic
auth) is set, and checks the provider's own signature too where django-anymail can (Mailgun,
SendGrid, Mailtrap, MailerSend, Postal, Resend, Mandrill). Otherwise it is a 404, and
`check --deploy` says so (subscribers.checks). A request without the right credentials is a 401,
a wrong signature a 403, a body the provider's parser cannot read a 400; none reach the handler.
"""

import functools
import logging
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, EventType
from anymail.utils import get_request_basic_auth
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from statuspage.text import one_line

from . import services

logger = logging.getLogger(__name__)

# Postmark reports soft bounces as "bounced" too; those are retried by the provider, not fatal.
SOFT_BOUNCES = {"SoftBounce", "Transient", "DnsError"}

# What a provider's parser raises on a body it cannot read (bad JSON, JSON nested past Python's
# recursion limit, a list where an object belongs, a missing field).
MALFORMED = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    RecursionError,
    AnymailAPIError,
)


def is_permanent(event: AnymailTrackingEvent) -> bool:
    if event.event_type in (EventType.COMPLAINED, EventType.REJECTED):
        return True
    if event.event_type == EventType.BOUNCED:
        raw = event.esp_event if isinstance(event.esp_event, dict) else {}
        return raw.get("Type") not in SOFT_BOUNCES
    return False


def _address(value: Any) -> str | None:
    """The reported recipient, if it could be a subscriber's address at all."""
    if not isinstance(value, str):
        return None
    try:
        validate_email(value)
    except ValidationError:
        return None
    return value


def handle_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    recipient = _address(event.recipient)
    if not recipient:
        return
    if event.event_type == EventType.UNSUBSCRIBED:
        for subscriber in services.Subscriber.objects.filter(email__iexact=recipient):
            services.unsubscribe(subscriber=subscriber, actor=esp_name)
        return
    if not is_permanent(event):
        return
    reason = f"{esp_name}: {event.event_type}"
    if event.description and isinstance(event.description, str):
        reason += f" ({event.description})"
    reason = one_line(reason)[:300]
    count = services.suppress_address(email=recipient, reason=reason, actor=esp_name)
    logger.info("suppressed %s subscriber(s) for %s: %s", count, recipient, reason)


# The webhook ---------------------------------------------------------------------------------


def configured_esp() -> str | None:
    """The provider of the default mailer, as django-anymail names it ("postmark"), or None."""
    backend = str(settings.MAILERS.get("default", {}).get("BACKEND", ""))
    prefix = "anymail.backends."
    if not backend.startswith(prefix):
        return None
    return backend.removeprefix(prefix).partition(".")[0] or None


def webhook_secrets() -> list[str]:
    """The "user:password" pairs the webhook accepts (a list while a secret is rotated)."""
    secret = getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET") or []
    if isinstance(secret, str):
        secret = [secret]
    return [s for s in secret if s]


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class GuardedTrackingView:
    """Put before a django-anymail tracking view: its validators and parser answer 403 and 400
    instead of raising, while a failure of the handler itself stays a 5xx the provider retries."""

    def run_validators(self, request: HttpRequest) -> None:
        try:
            super().run_validators(request)  # type: ignore[misc]
        except AnymailWebhookValidationFailure as error:
            raise _Refused(403, "The request's signature does not match.") from error
        except MALFORMED as error:
            raise _Refused(400, "The body cannot be read.") from error

    def parse_events(self, request: HttpRequest) -> Any:
        try:
            return super().parse_events(request)  # type: ignore[misc]
        except AnymailWebhookValidationFailure as error:
            raise _Refused(403, "The request's signature does not match.") from error
        except MALFORMED as error:
            raise _Refused(400, "The body cannot be read.") from error

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().post(request, *args, **kwargs)  # type: ignore[misc]
        except _Refused as refused:
            logger.warning(
                "tracking webhook refused (%s): %s (%s)", refused.status, refused, refused.__cause__
            )
            return HttpResponse(str(refused), status=refused.status, content_type="text/plain")


@functools.cache
def tracking_view_class(esp: str) -> type | None:
    """django-anymail's tracking view for this provider, guarded; None when it has none."""
    from anymail.urls import urlpatterns

    for pattern in urlpatterns:
        if getattr(pattern, "name", None) == f"{esp}_tracking_webhook":
            view_class = pattern.callback.view_class
            return type(f"Guarded{view_class.__name__}", (GuardedTrackingView, view_class), {})
    return None


@functools.cache
def _as_view(view_class: type) -> Any:
    return view_class.as_view()  # type: ignore[attr-defined]


def _authorised(request: HttpRequest, secrets: list[str]) -> bool:
    given = get_request_basic_auth(request) or ""
    return any(constant_time_compare(given, secret) for secret in secrets)


@csrf_exempt
def tracking_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    """/anymail/<esp>/tracking/: a 404 unless `esp` is the configured provider and a secret is
    set, then django-anymail's view for it, behind Beacon's own basic-auth check."""
    secrets = webhook_secrets()
    view_class = tracking_view_class(esp) if esp == configured_esp() else None
    if not secrets or view_class is None:
        raise Http404("No tracking webhook here.")
    if request.method == "POST" and not _authorised(request, secrets):
        # A 401 with a challenge: some providers (Amazon SNS) send credentials only after one.
        challenge = HttpResponse(
            "Send the webhook's basic-auth credentials.", status=401, content_type="text/plain"
        )
        challenge["WWW-Authenticate"] = 'Basic realm="Beacon tracking webhook"'
        return challenge
    response: HttpResponse = _as_view(view_class)(request, esp=esp)
    return response
