"""A real OpenID Connect provider for the sign-in tests: node-oidc-provider, run by Node.

tests/support/oidc/server.mjs is the provider; its npm packages are installed from the lock file
into tests/support/oidc/node_modules the first time (`npm ci`, about 20-50 s; kept afterwards).
Without Node on the machine the tests that need it are skipped with the reason.
"""

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.support.processes import free_port, stop, wait_for

HERE = Path(__file__).parent / "oidc"


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
    """The provider on a free port, with one client whose redirect URI is Beacon's callback."""

    def __init__(
        self, *, redirect_uri: str, accounts: dict[str, dict[str, object]], log: Path
    ) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id = "beacon-tests"
        self.client_secret = "beacon-tests-client-secret"
        self.redirect_uri = redirect_uri
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
            "REDIRECT_URI": self.redirect_uri,
            "ACCOUNTS": json.dumps(self.accounts),
            "NODE_ENV": "test",
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [node, str(HERE / "server.mjs")],
                cwd=HERE,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
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
            stop(self.process, timeout=10)


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
