"""The signed links a subscriber receives: confirm (expires) and manage or unsubscribe (never).

Below the services and the messages alike, which both need them: a message carries the links,
a service reads them back.
"""

from django.core import signing
from django.core.exceptions import ValidationError

from .models import Subscriber

CONFIRM_SALT = "subscribers.confirm"
MANAGE_SALT = "subscribers.manage"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps(subscriber.pk, salt=CONFIRM_SALT)


def manage_token(subscriber: Subscriber) -> str:
    # No expiry: the link in a year-old email must still unsubscribe.
    return signing.dumps(subscriber.pk, salt=MANAGE_SALT)


def subscriber_for_token(token: str, *, salt: str, max_age: int | None = None) -> Subscriber:
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError("This link has expired. Subscribe again for a new one.") from None
    except signing.BadSignature:
        raise ValidationError("This link is not valid.") from None
    subscriber = Subscriber.objects.select_related("page").filter(pk=pk).first()
    if subscriber is None:
        raise ValidationError("This subscription no longer exists.")
    return subscriber
