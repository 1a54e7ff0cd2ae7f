"""Strict checks on what strangers type into the subscribe form."""

import re
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from statuspage.netaddr import is_public_address

# Plain addresses only: no display names, quoted local parts, comments or IP literals.
PLAIN_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def clean_email(value: str) -> str:
    address = (value or "").strip()
    if not address:
        raise ValidationError({"email": "Enter your email address."})
    if len(address) > 254 or not PLAIN_ADDRESS.match(address):
        raise ValidationError({"email": "Enter a plain email address, such as ana@example.com."})
    local, domain = address.rsplit("@", 1)
    if len(local) > 64 or local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValidationError({"email": "Enter a plain email address, such as ana@example.com."})
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            {"email": "Enter a plain email address, such as ana@example.com."}
        ) from None
    return f"{local}@{domain.lower()}"


@dataclass(frozen=True)
class WebhookTarget:
    """A webhook URL taken apart, with the addresses its host resolved to (checked once, and
    connected to as they are, so a second lookup cannot point elsewhere)."""

    scheme: str
    host: str
    port: int
    path: str
    # (address family, socket address) pairs, as getaddrinfo gave them.
    addresses: list[tuple[int, tuple[Any, ...]]]

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def split_webhook_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL, or a ValidationError."""
    invalid = ValidationError({"endpoint": "Enter an http:// or https:// URL."})
    if not url.isascii() or any(c.isspace() or ord(c) < 32 for c in url):
        raise ValidationError(
            {"endpoint": "Enter the URL without spaces, in ASCII (a domain name as xn--…)."}
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise invalid from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username is not None:
        raise invalid
    if port == 0:
        raise invalid
    host = parts.hostname
    try:
        host.encode("idna")
    except UnicodeError:
        raise invalid from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


class UnresolvableHost(ValidationError):
    """The name did not resolve: maybe for good, maybe a DNS outage (a sender retries)."""


def resolve_webhook_target(url: str) -> WebhookTarget:
    """Take the URL apart and resolve its host once, refusing private targets unless
    NOTIFY_ALLOW_PRIVATE_WEBHOOKS; the caller connects to `addresses`, never to the name."""
    scheme, host, port, path = split_webhook_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnresolvableHost({"endpoint": f"{host} does not resolve."}) from None
    addresses = list(dict.fromkeys((int(info[0]), tuple(info[4])) for info in infos))
    if not addresses:
        raise UnresolvableHost({"endpoint": f"{host} does not resolve."})
    if not settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS:
        for _, sockaddr in addresses:
            if not is_public_address(str(sockaddr[0])):
                raise ValidationError(
                    {
                        "endpoint": "Webhooks to private, loopback, link-local or shared "
                        "addresses are refused."
                    }
                )
    return WebhookTarget(scheme=scheme, host=host, port=port, path=path, addresses=addresses)


def check_webhook_target(url: str) -> None:
    """Refuse malformed and non-http(s) URLs, and private targets unless settings allow them."""
    split_webhook_url(url)
    if not settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS:
        resolve_webhook_target(url)


def clean_endpoint(value: str) -> str:
    url = (value or "").strip()
    if not url:
        raise ValidationError({"endpoint": "Enter the URL to post notifications to."})
    if len(url) > 500:
        raise ValidationError({"endpoint": "The URL is longer than 500 characters."})
    check_webhook_target(url)
    return url


@dataclass(frozen=True)
class ChatHost:
    """Where one chat provider's incoming webhooks live, and what to tell a visitor."""

    label: str
    # Host names; "*.example.com" stands for any name under example.com.
    hosts: tuple[str, ...]
    # The webhook's path (with its query), when the provider has one fixed shape.
    path: re.Pattern[str] | None
    example: str


CHAT_HOSTS: dict[str, ChatHost] = {
    "slack": ChatHost(
        label="Slack incoming-webhook",
        hosts=("hooks.slack.com",),
        path=re.compile(r"^/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+/?$"),
        example="https://hooks.slack.com/services/T0000/B0000/XXXXXXXX",
    ),
    "teams": ChatHost(
        label="Microsoft Teams workflow",
        hosts=("*.logic.azure.com", "*.powerplatform.com", "*.webhook.office.com"),
        path=None,
        example="https://prod-00.westus.logic.azure.com:443/workflows/…",
    ),
    "discord": ChatHost(
        label="Discord webhook",
        hosts=("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"),
        path=re.compile(r"^/api(/v\d+)?/webhooks/\d+/[A-Za-z0-9_-]+/?(\?.*)?$"),
        example="https://discord.com/api/webhooks/123456789/XXXXXXXX",
    ),
    "google_chat": ChatHost(
        label="Google Chat webhook",
        hosts=("chat.googleapis.com",),
        path=re.compile(r"^/v1/spaces/[^/?]+/messages\?.+$"),
        example="https://chat.googleapis.com/v1/spaces/AAAA/messages?key=…&token=…",
    ),
}


def _host_matches(host: str, patterns: Any) -> bool:
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def clean_chat_endpoint(channel: str, value: str) -> str:
    """A chat provider's webhook URL: https on one of the provider's hosts, in its shape, and
    not private. NOTIFY_CHAT_HOSTS adds hosts per channel (any scheme and path), for tests
    and for a proxy in front of the provider."""
    known = CHAT_HOSTS.get(channel)
    if known is None:
        raise ValidationError({"endpoint": "This channel does not take webhook URLs."})
    url = (value or "").strip()
    wrong = ValidationError({"endpoint": f"Enter a {known.label} URL, such as {known.example}."})
    if not url:
        raise wrong
    if len(url) > 500:
        raise ValidationError({"endpoint": "The URL is longer than 500 characters."})
    scheme, host, port, path = split_webhook_url(url)
    extra = getattr(settings, "NOTIFY_CHAT_HOSTS", {}).get(channel, [])
    if not _host_matches(host, extra):
        if scheme != "https" or port != 443 or not _host_matches(host, known.hosts):
            raise wrong
        if known.path is not None and not known.path.match(path):
            raise wrong
    check_webhook_target(url)
    return url
