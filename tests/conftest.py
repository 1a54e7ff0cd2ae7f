"""Shared fixtures, built from tests/support: the personas on the real PostgreSQL, a real SMTP
server, and an operator API key with a client for the live server."""

import pytest
from django.contrib.auth.models import Group, User

from components.models import Component, ComponentGroup
from operator_api.services import create_api_key
from pages.models import Page
from statuspage import broker
from subscribers import services as subscriber_services
from subscribers.models import Subscriber
from tests.support import personas
from tests.support.api_client import Http
from tests.support.browser import chromium  # noqa: F401 (the session's Chromium)
from tests.support.mail import SMTPServer, smtp_settings
from tests.support.receivers import StartedServers

# Beacon's Celery app, current in the test process as it is in a worker, for the tests that call
# or send tasks (a web process makes it only when it first publishes: statuspage/broker.py).
broker.app()


@pytest.fixture(autouse=True)
def snapshot_dir(settings, tmp_path):
    """Each test its own snapshot store, checked on every read so that writes show at once."""
    settings.SNAPSHOT_DIR = tmp_path / "snapshots"
    settings.PUBLIC_FILES_DIR = str(tmp_path / "public")
    settings.SNAPSHOT_CHECK_SECONDS = 0
    return settings.SNAPSHOT_DIR


@pytest.fixture
def page(db) -> Page:
    return personas.example_page()


@pytest.fixture
def other_page(db) -> Page:
    return personas.other_page()


@pytest.fixture
def alice(db) -> User:
    """A page admin."""
    return personas.alice()


@pytest.fixture
def core(page) -> ComponentGroup:
    return personas.group(page, "Core Services")


@pytest.fixture
def api(page, core) -> Component:
    return personas.component(page, "API", core)


@pytest.fixture
def dashboard(page, core) -> Component:
    return personas.component(page, "Dashboard", core)


@pytest.fixture
def website(page) -> Component:
    return personas.component(page, "Website")


@pytest.fixture
def responders(db) -> Group:
    return Group.objects.get_or_create(name="Incident responders")[0]


@pytest.fixture
def smtp(settings):
    """A real SMTP server that Beacon sends through, with no rate limit to wait on."""
    server = SMTPServer().start()
    settings.MAILERS = smtp_settings(server.port)
    settings.NOTIFY_RATE_PER_SECOND = 1000
    yield server
    server.stop()


@pytest.fixture
def subscribe(page):
    def make(email: str, components=None) -> Subscriber:
        return subscriber_services.add_email_subscriber(
            page=page, email=email, components=components, actor="tests", skip_confirmation=True
        )

    return make


@pytest.fixture
def api_key(page) -> str:
    return create_api_key(page=page, name="CI", actor="tests")[1]


@pytest.fixture
def operator(live_server, api_key) -> Http:
    return Http(live_server.url, api_key)


@pytest.fixture
def base(page) -> str:
    return f"/v1/pages/{page.pk}"


@pytest.fixture
def stop_at_end():
    """For fixtures that start servers as a test asks for them: each is stopped at its end."""
    servers = StartedServers()
    yield servers
    servers.stop_all()
