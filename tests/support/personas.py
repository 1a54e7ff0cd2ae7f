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
    return User.objects.create_superuser("alice", "alice@example.com", "correct horse battery")


def group(page: Page, name: str) -> ComponentGroup:
    return component_services.create_group(page=page, name=name, actor="tests")


def component(page: Page, name: str, group: ComponentGroup | None = None) -> Component:
    return component_services.create_component(page=page, name=name, group=group, actor="tests")
