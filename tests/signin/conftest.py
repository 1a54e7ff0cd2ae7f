"""Sign-in fixtures: Beacon's live server, a real OpenID Connect provider, and a browser-like
HTTP session that follows redirects between the two."""

from collections.abc import Callable, Iterator
from urllib.parse import urljoin

import pytest
import requests
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from tests.support.oidc import OIDCProvider

CALLBACK = "/accounts/oidc/sso/login/callback/"


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
def oidc(live_server, settings, tmp_path) -> Iterator[OIDCProvider]:
    """The provider, and Beacon configured for it as OIDC_ISSUER & co. would configure it."""
    provider = OIDCProvider(
        redirect_uri=live_server.url + CALLBACK,
        accounts={
            "bob-at-idp": {"email": "bob@example.com", "email_verified": True},
            "stranger": {"email": "stranger@example.com", "email_verified": True},
            "unverified-bob": {"email": "bob@example.com", "email_verified": False},
        },
        log=tmp_path / "oidc-provider.log",
    ).start()
    settings.SIGNIN_OIDC_ISSUER = provider.issuer
    settings.SIGNIN_OIDC_NAME = "Example SSO"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Example SSO",
                    "client_id": provider.client_id,
                    "secret": provider.client_secret,
                    "settings": {"server_url": provider.issuer},
                }
            ],
        }
    }
    yield provider
    provider.stop()


class Browser:
    """A requests session that follows redirects itself, so a test can stop at one."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, url: str, **kwargs: object) -> requests.Response:
        return self.follow(self.session.get(urljoin(self.base_url, url), allow_redirects=False))

    def post(self, url: str, data: dict[str, str]) -> requests.Response:
        reply = self.session.post(urljoin(self.base_url, url), data=data, allow_redirects=False)
        return self.follow(reply)

    def follow(self, reply: requests.Response, stop_at: str = "") -> requests.Response:
        for _ in range(20):
            if reply.status_code not in (301, 302, 303, 307, 308):
                return reply
            target = urljoin(reply.url, reply.headers["Location"])
            if stop_at and stop_at in target:
                reply.headers["X-Stopped-At"] = target
                return reply
            reply = self.session.get(target, allow_redirects=False)
        raise AssertionError("too many redirects")


@pytest.fixture
def new_browser(live_server) -> Iterator[Callable[[], Browser]]:
    """Browsers of their own; their connections are closed at the end, so that the live server's
    threads let go of their database connections before the test database is dropped."""
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser(live_server.url))
        return made[-1]

    yield make
    for browser in made:
        browser.session.close()


@pytest.fixture
def browser(new_browser) -> Browser:
    return new_browser()
