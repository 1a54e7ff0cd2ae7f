"""Sign-in fixtures: Beacon's live server, a real OpenID Connect provider, and a browser-like
HTTP session that follows redirects between the two (tests/support/oidc.py)."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from tests.support.oidc import OPERATOR_CALLBACK, Browser, new_browser, oidc

__all__ = ["CALLBACK", "Browser", "new_browser", "oidc"]

CALLBACK = OPERATOR_CALLBACK


@pytest.fixture(autouse=True)
def fresh_allauth_counts() -> None:
    """allauth counts wrong codes and used codes in Redis per user id, and ids come back in a
    new test database: a previous run's counts must not meet this run's users."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(None, write=True)
        for key in client.scan_iter(match="*allauth*"):
            client.delete(key)
    else:
        backend.clear()


@pytest.fixture
def bob(db) -> User:
    """A staff operator who is not a superuser."""
    return User.objects.create_user(
        "bob", "Bob@Example.com", "bobs long password 42", is_staff=True
    )


@pytest.fixture
def mfa_on(settings) -> None:
    settings.SIGNIN_MFA_ENABLED = True


@pytest.fixture
def browser(new_browser) -> Browser:
    return new_browser()
