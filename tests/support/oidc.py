"""A real OpenID Connect provider for the sign-in tests (operators' in tests/signin, viewers' of a
private page in tests/viewers): node-oidc-provider, run by Node, and a browser-like HTTP session
that follows redirects between it and Beacon.

tests/support/oidc/server.mjs is the provider; its npm packages are installed from the lock file
into tests/support/oidc/node_modules the first time (`npm ci`, about 20-50 s; kept afterwards).
Without Node on the machine the tests that need it are skipped with the reason.
"""

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialApp

from tests.support.processes import free_port, spawn, stop, wait_for

HERE = Path(__file__).parent / "oidc"

# Beacon's callbacks, both registered with the provider's one client (docs/sign-in.md and
# docs/private-pages.md say which to register).
OPERATOR_CALLBACK = "/accounts/oidc/sso/login/callback/"
VIEWER_CALLBACK = "/viewer/oidc/callback"

ACCOUNTS: dict[str, dict[str, object]] = {
    "bob-at-idp": {"email": "bob@example.com", "email_verified": True},
    "stranger": {"email": "stranger@example.com", "email_verified": True},
    "unverified-bob": {"email": "bob@example.com", "email_verified": False},
    "vera-at-idp": {"email": "Vera@Viewers.Example", "email_verified": True},
    "unverified-vera": {"email": "vera@viewers.example", "email_verified": False},
    "no-email": {},
}


def ensure_installed() -> str:
    """The node binary, once the provider's packages are installed."""
    node = shutil.which("node")
    npm = shutil.which("npm")
    if not node or not npm:
        pytest.skip("Node.js (node and npm) is needed to run the OpenID Connect provider")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            check=True,
            timeout=300,
        )
    return node


class OIDCProvider:
    """The provider on a free port, with one client whose redirect URIs are Beacon's callbacks."""

    def __init__(
        self, *, redirect_uris: list[str], accounts: dict[str, dict[str, object]], log: Path
    ) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id = "beacon-tests"
        self.client_secret = "beacon-tests-client-secret"
        self.redirect_uris = redirect_uris
        self.accounts = accounts
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "OIDCProvider":
        node = ensure_installed()
        env = {
            "PATH": "/usr/bin:/bin",
            "PORT": str(self.port),
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
            "REDIRECT_URIS": " ".join(self.redirect_uris),
            "ACCOUNTS": json.dumps(self.accounts),
            "NODE_ENV": "test",
        }
        self.process = spawn([str(HERE / "server.mjs")], env, self.log, program=node, cwd=HERE)
        wait_for(self._ready, timeout=30, what="the OpenID Connect provider starting", log=self.log)
        return self

    def _ready(self) -> bool:
        try:
            reply = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2)
        except requests.ConnectionError:
            return False
        return reply.status_code == 200

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGCONT)
            stop(self.process, timeout=10)

    @contextmanager
    def hung(self) -> Iterator[None]:
        """Frozen (SIGSTOP): it accepts connections and never answers."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.killpg(self.process.pid, signal.SIGCONT)

    def add_in_admin(self, settings: Any) -> None:
        """Beacon configured for this provider the other way: no OIDC_ISSUER, a social
        application row as an operator adds it in the admin."""
        settings.SIGNIN_OIDC_ISSUER = ""
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
        SocialApp.objects.create(
            provider="openid_connect",
            provider_id="sso",
            name="Example SSO",
            client_id=self.client_id,
            secret=self.client_secret,
            settings={"server_url": self.issuer},
        )

    def settings_for_beacon(self, name: str = "Example SSO") -> dict[str, object]:
        """SOCIALACCOUNT_PROVIDERS as OIDC_ISSUER & co. make it for this provider."""
        return {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "sso",
                        "name": name,
                        "client_id": self.client_id,
                        "secret": self.client_secret,
                        "settings": {"server_url": self.issuer},
                    }
                ],
            }
        }


@pytest.fixture
def oidc(live_server, settings, tmp_path) -> Iterator[OIDCProvider]:
    """The provider, and Beacon configured for it as OIDC_ISSUER & co. would configure it."""
    provider = start_provider(live_server.url, tmp_path / "oidc-provider.log")
    settings.SIGNIN_OIDC_ISSUER = provider.issuer
    settings.SIGNIN_OIDC_NAME = "Example SSO"
    settings.SOCIALACCOUNT_PROVIDERS = provider.settings_for_beacon("Example SSO")
    yield provider
    provider.stop()


@pytest.fixture
def new_browser(live_server) -> Iterator[Callable[[], "Browser"]]:
    """Browsers of their own; their connections are closed at the end, so that the live server's
    threads let go of their database connections before the test database is dropped."""
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser(live_server.url))
        return made[-1]

    yield make
    for browser in made:
        browser.session.close()


def start_provider(base_url: str, log: Path) -> OIDCProvider:
    """The provider, with Beacon's two callbacks at base_url and the test accounts."""
    return OIDCProvider(
        redirect_uris=[base_url + OPERATOR_CALLBACK, base_url + VIEWER_CALLBACK],
        accounts=ACCOUNTS,
        log=log,
    ).start()


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


def sign_in_at_idp(
    browser: Browser, idp: requests.Response, login: str, stop_at: str = ""
) -> requests.Response:
    """Type the login name into the provider's form, then grant consent if it asks."""
    action, fields = form_on(idp.text, idp.url)
    fields.update(login=login, password="anything")
    reply = browser.follow(
        browser.session.post(action, data=fields, allow_redirects=False), stop_at=stop_at
    )
    if 'value="consent"' in reply.text:
        action, fields = form_on(reply.text, reply.url)
        reply = browser.follow(
            browser.session.post(action, data=fields, allow_redirects=False), stop_at=stop_at
        )
    return reply


def cancel_at_idp(browser: Browser, idp: requests.Response, callback: str) -> str:
    """Follow the provider's "cancel" link back to Beacon, stopping short of Beacon's callback:
    the callback URL, carrying the provider's access_denied error."""
    abort = re.search(r'href="([^"]*/abort)"', idp.text)
    assert abort, idp.text[:2000]
    stopped = browser.follow(
        browser.session.get(urljoin(idp.url, abort.group(1)), allow_redirects=False),
        stop_at=callback,
    )
    assert "error=access_denied" in stopped.headers["X-Stopped-At"]
    return stopped.headers["X-Stopped-At"]


def with_tampered_state(callback: str) -> str:
    """The provider's redirect back to Beacon (a path and query) with its state changed on the
    way, as by someone in between."""
    parsed = urlparse(callback)
    query = parse_qs(parsed.query)
    assert query["code"] and query["state"]
    query["state"] = [query["state"][0][:-2] + "xx"]
    return f"{parsed.path}?{urlencode(query, doseq=True)}"


def made_up_callback(callback: str, **params: str) -> str:
    """Beacon's `callback` (a path) with `params` as no provider sent them: a state Beacon never
    issued, and an error description in HTML that no page may echo."""
    query = {**params, "state": "forged", "error_description": "<b>x"}
    return f"{callback}?{urlencode(query)}"


def form_on(html: str, base_url: str, form_id: str = "") -> tuple[str, dict[str, str]]:
    """A page's first form (or the one with that id): its absolute action and its named inputs'
    values."""
    forms = re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.S | re.I)
    match = next((f for f in forms if not form_id or f'id="{form_id}"' in f.group(1)), None)
    assert match, f"no form on the page:\n{html[:2000]}"
    action = re.search(r'action="([^"]*)"', match.group(1))
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", match.group(2), re.I):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return urljoin(base_url, unescape(action.group(1)) if action else base_url), fields


def csrf_token(session: requests.Session) -> str:
    return str(session.cookies.get("csrftoken", ""))
