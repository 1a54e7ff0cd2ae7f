"""Adding a chat channel: check the URL, post the test message now, and keep the channel only
if the provider accepts it.

This is the one step of a sign-up that talks to the provider, so it lives beside the
transports rather than in services.py (which the transports import): the writes before and
after it are services.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from components.models import Component
from events.services import Actor
from pages.models import Page

from . import services
from .channels import TRANSPORTS
from .chat.transport import ChatTransport
from .models import Subscriber
from .transports import Outcome


def add_chat_subscriber(
    *,
    page: Page,
    channel: str,
    endpoint: str,
    actor: Actor,
    email: str = "",
    components: Iterable[Component] | None = None,
) -> Subscriber:
    """A chat channel's incoming webhook (Slack, Teams, Discord, Google Chat), active once the
    test message sent now is accepted.

    The test goes out synchronously, outside any transaction, within NOTIFY_WEBHOOK_TIMEOUT. If
    the provider refuses it, a ValidationError on `endpoint` carries the provider's answer and
    nothing is kept (a suppressed or unsubscribed channel stays so). Adding an active channel
    again sends another test message and changes nothing else.
    """
    transport_class = TRANSPORTS.get(channel)
    if transport_class is None or not issubclass(transport_class, ChatTransport):
        raise ValidationError({"endpoint": "This chat channel is not available."})
    signup = services.start_chat_subscriber(
        page=page, channel=channel, endpoint=endpoint, email=email, components=components
    )
    transport = transport_class()
    try:
        result = transport.test(signup.subscriber)
    finally:
        transport.close()
    if result.outcome != Outcome.SENT:
        services.drop_chat_subscriber(signup)
        raise ValidationError(
            {"endpoint": f"The test message was not accepted. {result.error}".strip()}
        )
    return services.finish_chat_subscriber(signup=signup, actor=actor)
