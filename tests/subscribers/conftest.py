from typing import Any

import pytest

from tests.support.chat_providers import ChatProvider, chat_hosts
from tests.support.receivers import HostileHTTPServer, StartedServers, WebhookReceiver


@pytest.fixture
def receiver(settings, stop_at_end):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    return stop_at_end(WebhookReceiver().start())


@pytest.fixture
def hostile(settings, stop_at_end):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    settings.NOTIFY_RATE_PER_SECOND = 1000

    def start(mode: str) -> HostileHTTPServer:
        return stop_at_end(HostileHTTPServer(mode).start())

    return start


@pytest.fixture
def twilio(settings, stop_at_end):
    """A fake Twilio Messages API, with Beacon's TWILIO_* settings pointing at it."""
    from tests.support.twilio import SENDER, SID, TOKEN, FakeTwilio

    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    settings.NOTIFY_RATE_PER_SECOND = 1000
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM = SENDER
    server = stop_at_end(FakeTwilio().start())
    settings.TWILIO_API_BASE = server.base
    return server


def chat_provider(provider: str) -> Any:
    """A fixture named `provider`: a server that answers as that provider's webhooks do, which
    chat channels may post to."""

    def serve(settings: Any, stop_at_end: StartedServers) -> ChatProvider:
        chat_hosts(settings)
        return stop_at_end(ChatProvider(provider).start())

    return pytest.fixture(serve, name=provider)


slack = chat_provider("slack")
discord = chat_provider("discord")
