"""Who may see a private or network-restricted page: the viewer's credentials and the verdict.

A page's `Access` (visibility, networks, access epoch) is written by the snapshot publisher
into the store beside the host index, so the lane in front of Django decides who may read a
document from it and from the request alone: no PostgreSQL, no Redis. Everything here that the
read path calls is pure (a signature check, memoised per process, and a few comparisons).

Credentials, all signed with SECRET_KEY (django.core.signing), each with its own salt:

- the viewer cookie (`beacon_viewer`), set by `grant()` once a viewer has signed in (an email
  link, or the installation's OpenID Connect provider): page id, email, when it was issued,
  how, and the page's access epoch. It lasts VIEWER_SESSION_DAYS; host-only, HttpOnly,
  SameSite=Lax, Secure on https;
- the viewer's feed token (`?access=` or `Authorization: Bearer`), for feed readers and
  widgets: page id, email and epoch, with no expiry of its own;
- the one-time sign-in link's token, naming a `ViewerLink` row (used once, 15 minutes).

The epoch (`Page.access_epoch`) is bumped whenever sight of the page is taken from someone
(pages/services.py `narrows_access`): made private or public again, a viewer entry removed,
single sign-on switched off. A cookie or token carrying an older epoch is refused.

The client's address is REMOTE_ADDR; behind a trusted proxy (BEHIND_PROXY=1, which sets
SECURE_PROXY_SSL_HEADER) the last address of X-Forwarded-For, the one the proxy appended, as
for the admin's login throttle (statuspage/admin_site.py).
"""

import ipaddress
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core import signing
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.utils.http import urlencode

COOKIE_NAME = "beacon_viewer"
SIGN_IN_PATH = "/viewer/sign-in"
COOKIE_SALT = "beacon.viewer.cookie"
FEED_SALT = "beacon.viewer.feed"
LINK_SALT = "beacon.viewer.link"
LINK_MAX_AGE = 15 * 60
# The query parameter carrying a feed token; taken off before the document is looked up.
TOKEN_PARAMETER = "access"
MEMO_LIMIT = 4096

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Verdict = Literal["sign-in", "network"] | None


@dataclass(frozen=True)
class Access:
    """What the read path needs to know of a page that is not public."""

    page_id: str
    private: bool
    networks: tuple[Network, ...]
    epoch: int
    oidc: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "private": self.private,
            "networks": [str(network) for network in self.networks],
            "epoch": self.epoch,
            "oidc": self.oidc,
        }

    @classmethod
    def from_json(cls, page_id: str, raw: Mapping[str, Any]) -> "Access":
        return cls(
            page_id=page_id,
            private=bool(raw.get("private")),
            networks=_networks(raw.get("networks", [])),
            epoch=int(raw.get("epoch", 0)),
            oidc=bool(raw.get("oidc")),
        )


def _networks(values: Any) -> tuple[Network, ...]:
    found = []
    for value in values or []:
        try:
            found.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            continue  # refused by the page's validation; never widens access
    return tuple(found)


def access_of(page: Any) -> Access | None:
    """The page's Access, or None for a public page."""
    if not (page.is_private or page.allowed_networks):
        return None
    return Access(
        page_id=page.pk,
        private=page.is_private,
        networks=_networks(page.allowed_networks),
        epoch=page.access_epoch,
        oidc=page.viewer_oidc,
    )


# Who is asking -------------------------------------------------------------------------------


def client_ip(meta: Mapping[str, Any]) -> str:
    """The client's address (see the module docstring)."""
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded:
        return str(forwarded.split(",")[-1].strip())
    return str(meta.get("REMOTE_ADDR", ""))


def from_allowed_network(access: Access, address: str) -> bool:
    if not access.networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in access.networks)


_cookie_headers: dict[str, str | None] = {}


def cookie_from(meta: Mapping[str, Any]) -> str | None:
    """The viewer cookie's value in a request's Cookie header (memoised per header)."""
    header = meta.get("HTTP_COOKIE")
    if not header or COOKIE_NAME not in header:
        return None
    if header in _cookie_headers:
        return _cookie_headers[header]
    value = parse_cookie(header).get(COOKIE_NAME) or None
    if len(_cookie_headers) >= MEMO_LIMIT:
        _cookie_headers.clear()
    _cookie_headers[header] = value
    return value


def token_from(meta: Mapping[str, Any], query: Mapping[str, Any] | None) -> str | None:
    """A feed token given as `Authorization: Bearer …` or `?access=…`."""
    authorization = meta.get("HTTP_AUTHORIZATION", "")
    if authorization[:7].lower() == "bearer ":
        return str(authorization[7:].strip()) or None
    if query is not None:
        value = query.get(TOKEN_PARAMETER)
        return str(value) if value else None
    return None


def verdict(
    access: Access, *, address: str, cookie: str | None, token: str | None = None
) -> Verdict:
    """None when the request may see the page; else why not: "sign-in" (a private page, no
    valid credential) or "network" (a page limited to networks the request is not from)."""
    if from_allowed_network(access, address):
        return None
    if not access.private:
        return "network"
    if cookie is not None and viewer_from(cookie, access) is not None:
        return None
    if token is not None and viewer_from_token(token, access) is not None:
        return None
    return "sign-in"


def request_verdict(meta: Mapping[str, Any], page: Any) -> tuple[Verdict, str | None]:
    """For the pages Django renders per request (subscribing): the verdict on this request for
    `page`, and the signed-in viewer's email if there is one."""
    access = access_of(page)
    if access is None:
        return None, None
    cookie = cookie_from(meta)
    email = viewer_from(cookie, access) if cookie is not None and access.private else None
    if email is not None:
        return None, email
    return verdict(access, address=client_ip(meta), cookie=None), None


# The credentials ----------------------------------------------------------------------------


def _session_seconds() -> int:
    return int(settings.VIEWER_SESSION_DAYS) * 86400


def grant(response: HttpResponse, page: Any, email: str, *, method: str, secure: bool) -> None:
    """Sign the viewer in to `page`: the signed cookie, for this host only."""
    value = signing.dumps(
        {
            "p": page.pk,
            "e": email.strip().lower(),
            "t": int(time.time()),
            "v": page.access_epoch,
            "m": method,
        },
        salt=COOKIE_SALT,
        compress=False,
    )
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=_session_seconds(),
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def sign_out(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", samesite="Lax")


# value -> (page id, email, issued, epoch) of a cookie, (page id, email, epoch) of a feed token,
# or None when the signature does not hold.
_verified_cookies: dict[str, tuple[str, str, int, int] | None] = {}
_verified_tokens: dict[str, tuple[str, str, int] | None] = {}


def _remember(memo: dict[str, Any], key: str, value: Any) -> None:
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value


def _load(value: str, salt: str) -> dict[str, Any] | None:
    try:
        loaded = signing.loads(value, salt=salt)
    except signing.BadSignature:
        return None
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _verified[T](
    value: str, salt: str, memo: dict[str, T | None], fields: Callable[[dict[str, Any]], T]
) -> T | None:
    """The `fields` a signed value carries, or None when the signature or a field does not
    hold. Each value is checked once, then remembered in `memo`."""
    if value in memo:
        return memo[value]
    raw = _load(value, salt)
    found = None
    if raw is not None:
        try:
            found = fields(raw)
        except (KeyError, TypeError, ValueError):
            found = None
    _remember(memo, value, found)
    return found


def viewer_from(cookie_value: str, access: Access) -> str | None:
    """The email of the viewer a cookie signs in to `access`'s page, or None: a bad signature,
    another page's cookie, an older epoch, or one issued more than VIEWER_SESSION_DAYS ago."""
    found = _verified(
        cookie_value,
        COOKIE_SALT,
        _verified_cookies,
        lambda raw: (str(raw["p"]), str(raw["e"]), int(raw["t"]), int(raw["v"])),
    )
    if found is None:
        return None
    page_id, email, issued, epoch = found
    if page_id != access.page_id or epoch != access.epoch:
        return None
    if time.time() - issued > _session_seconds():
        return None
    return email


def feed_token(page: Any, email: str) -> str:
    """The viewer's own secret for feed readers and widgets; revoked with the epoch."""
    payload = {"p": page.pk, "e": email.strip().lower(), "v": page.access_epoch}
    return signing.dumps(payload, salt=FEED_SALT, compress=False)


def viewer_from_token(token: str, access: Access) -> str | None:
    found = _verified(
        token,
        FEED_SALT,
        _verified_tokens,
        lambda raw: (str(raw["p"]), str(raw["e"]), int(raw["v"])),
    )
    if found is None:
        return None
    page_id, email, epoch = found
    if page_id != access.page_id or epoch != access.epoch:
        return None
    return email


def link_token(link_id: str) -> str:
    return signing.dumps(link_id, salt=LINK_SALT, compress=False)


def link_id_from(token: str) -> str | None:
    """The ViewerLink a sign-in link's token names, unless tampered with or expired."""
    try:
        value = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    return value if isinstance(value, str) else None


# Who may sign in ----------------------------------------------------------------------------


def email_allowed(page: Any, email: str) -> bool:
    """Whether `email` is one of the page's viewers: listed, or of a listed @domain."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not (local and at and domain):
        return False
    for entry in page.viewer_emails or []:
        entry = str(entry).strip().lower()
        if entry == email or (entry.startswith("@") and entry[1:] == domain):
            return True
    return False


# Refusals -----------------------------------------------------------------------------------

REFUSED_CACHE_CONTROL = "private, no-store"
PRIVATE_CACHE_CONTROL = "private, no-cache"
PRIVATE_VARY = ("Cookie", "Authorization")
_SIGN_IN_BODY = b"Sign in to see this page.\n"
_NETWORK_BODY = b"This page can be seen only from its allowed networks.\n"


def sign_in_url(next_path: str) -> str:
    return f"{SIGN_IN_PATH}?{urlencode({'next': next_path})}"


def refusal(
    why: Literal["sign-in", "network"], next_path: str, *, machine: bool
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The answer to a request that may not see the page: status, headers, body, with nothing
    of the page in it. The same for the lane and Django.

    A page's HTML (a browser) is sent to sign in; what machines and scripts read (the API,
    feeds, calendar, badge, embed, live fragments) gets a 401 with the sign-in page in
    HX-Redirect, which htmx follows for an open page whose viewer was signed out. A request
    from outside a network-limited page gets a 403.
    """
    if why == "network":
        status, body = 403, _NETWORK_BODY
        headers = []
    elif machine:
        status, body = 401, _SIGN_IN_BODY
        headers = [
            ("WWW-Authenticate", 'Bearer realm="Beacon"'),
            ("HX-Redirect", sign_in_url(next_path)),
        ]
    else:
        status, body = 302, b""
        headers = [("Location", sign_in_url(next_path))]
    headers += [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", REFUSED_CACHE_CONTROL),
        ("Vary", ", ".join(PRIVATE_VARY)),
    ]
    return status, headers, body


def is_safe_next(value: str) -> bool:
    """A path on this same site (never //other.example or a scheme)."""
    return (
        value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and value.isprintable()
    )
