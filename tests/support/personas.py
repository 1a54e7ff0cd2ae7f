"""The named pages, people and components the tests speak of; the fixtures are built from these.

Example Status (Europe/Paris) is the default page: Core Services holds API and Dashboard,
Website stands alone. Alice is a page admin (a superuser). "Other" is a second page, for
checking that one page never sees or moves another's rows.
"""

from typing import Any

from django.contrib.auth.models import User

from components import services as component_services
from components.models import Component, ComponentGroup
from pages.models import Page
from pages.roles import assign_role

PASSWORD = "correct horse battery"


def example_page(**fields: Any) -> Page:
    return Page.objects.create(
        **{
            "name": "Example Status",
            "url": "https://status.example.com",
            "is_default": True,
            "time_zone": "Europe/Paris",
        }
        | fields
    )


def other_page() -> Page:
    return Page.objects.create(name="Other", url="https://other.example.com", domain="other.test")


def alice() -> User:
    return User.objects.create_superuser("alice", "alice@example.com", PASSWORD)


def operator(username: str, role: str, *pages: Page) -> User:
    """A staff account (username@example.com, PASSWORD) with `role` ("responder" or "admin") on
    each of `pages`, or on the default page when none is given; read again, so that no
    permission is cached on it."""
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    for page in pages or (None,):
        assign_role(user, role, page)
    return User.objects.get(pk=user.pk)


def group(page: Page, name: str) -> ComponentGroup:
    return component_services.create_group(page=page, name=name, actor="tests")


def component(page: Page, name: str, group: ComponentGroup | None = None) -> Component:
    return component_services.create_component(page=page, name=name, group=group, actor="tests")
