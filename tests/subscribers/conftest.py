import pytest

from subscribers import services
from subscribers.models import Subscriber

from .servers import HostileHTTPServer, SMTPServer, WebhookReceiver


@pytest.fixture
def smtp(settings):
    server = SMTPServer().start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    settings.NOTIFY_RATE_PER_SECOND = 1000
    yield server
    server.stop()


@pytest.fixture
def receiver(settings):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def subscribe(page):
    def make(email: str, components=None) -> Subscriber:
        return services.add_email_subscriber(
            page=page, email=email, components=components, actor="tests", skip_confirmation=True
        )

    return make


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
