import pytest

from tests.support.receivers import HostileHTTPServer, WebhookReceiver


@pytest.fixture
def receiver(settings):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def hostile(settings):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    settings.NOTIFY_RATE_PER_SECOND = 1000
    started: list[HostileHTTPServer] = []

    def start(mode: str) -> HostileHTTPServer:
        server = HostileHTTPServer(mode).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
