"""Shared fixtures: a page with named people and components, on the real PostgreSQL."""

import pytest
from django.contrib.auth.models import Group, User

from components import services as component_services
from components.models import Component, ComponentGroup
from pages.models import Page


@pytest.fixture(autouse=True)
def snapshot_dir(settings, tmp_path):
    """Each test its own snapshot store, checked on every read so that writes show at once."""
    settings.SNAPSHOT_DIR = tmp_path / "snapshots"
    settings.SNAPSHOT_CHECK_SECONDS = 0
    return settings.SNAPSHOT_DIR


@pytest.fixture
def page(db) -> Page:
    return Page.objects.create(
        name="Example Status",
        url="https://status.example.com",
        is_default=True,
        time_zone="Europe/Paris",
    )


@pytest.fixture
def alice(db) -> User:
    """A page admin."""
    return User.objects.create_superuser("alice", "alice@example.com", "correct horse battery")


@pytest.fixture
def core(page) -> ComponentGroup:
    return component_services.create_group(page=page, name="Core Services", actor="tests")


@pytest.fixture
def api(page, core) -> Component:
    return component_services.create_component(page=page, name="API", group=core, actor="tests")


@pytest.fixture
def dashboard(page, core) -> Component:
    return component_services.create_component(
        page=page, name="Dashboard", group=core, actor="tests"
    )


@pytest.fixture
def website(page) -> Component:
    return component_services.create_component(page=page, name="Website", actor="tests")


@pytest.fixture
def responders(db) -> Group:
    return Group.objects.get_or_create(name="Incident responders")[0]
