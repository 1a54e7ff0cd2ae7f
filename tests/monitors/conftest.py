"""Monitors of the default page, and the operators who look after them."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from monitors.editing import save_monitor
from monitors.models import Monitor
from pages.roles import assign_role
from tests.support.targets import TargetServer

# A public address, never contacted by these tests (no worker runs), and no name to resolve.
PUBLIC_URL = "https://93.184.215.14/health"


@pytest.fixture
def make_monitor(page, api) -> Callable[..., Monitor]:
    def make(**fields: Any) -> Monitor:
        monitor = Monitor(
            **{"page": page, "component": api, "name": "API health", "target": PUBLIC_URL} | fields
        )
        save_monitor(monitor=monitor, actor="tests")
        return monitor

    return make


@pytest.fixture
def allow_private(settings):
    """Checks may reach 127.0.0.1, where the tests' servers are (refused by default, as
    test_probes_hostile checks)."""
    settings.MONITOR_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def server(stop_at_end) -> TargetServer:
    """A local HTTP target, answering 404 until a test gives it routes."""
    return stop_at_end(TargetServer().start())


@pytest.fixture
def dana(page) -> User:
    """A page admin of the default page only."""
    user = User.objects.create_user("dana", "dana@example.com", "correct horse battery")
    assign_role(user, "admin", page)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def rita(page) -> User:
    """An incident responder on the default page."""
    user = User.objects.create_user("rita", "rita@example.com", "correct horse battery")
    assign_role(user, "responder", page)
    return User.objects.get(pk=user.pk)
