"""Strict checks on what strangers type into the subscribe form."""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

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


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_webhook_target(url: str) -> None:
    """Refuse non-http(s) URLs, and private or loopback targets unless settings allow them."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"endpoint": "Enter an http:// or https:// URL."})
    if settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ValidationError({"endpoint": f"{parts.hostname} does not resolve."}) from None
    for info in infos:
        if not is_public_address(str(info[4][0])):
            raise ValidationError(
                {"endpoint": "Webhooks to private, loopback or link-local addresses are refused."}
            )


def clean_endpoint(value: str) -> str:
    url = (value or "").strip()
    if not url:
        raise ValidationError({"endpoint": "Enter the URL to post notifications to."})
    if len(url) > 500:
        raise ValidationError({"endpoint": "The URL is longer than 500 characters."})
    check_webhook_target(url)
    return url
