"""Twilio's request signature: X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + each
POST parameter's name and value, sorted by name)).

Written out here rather than taken from the `twilio` package: its RequestValidator is these few
lines, and the package brings an HTTP client stack (requests, aiohttp, PyJWT) Beacon does not
otherwise use. Like Twilio's own validator, the URL is tried with and without the default port,
since proxies differ in which they pass on.
"""

import base64
import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def signature(token: str, url: str, params: list[tuple[str, str]]) -> str:
    data = url + "".join(name + value for name, value in sorted(params))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def _variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return [url]
    if port is None and default:
        other = parts._replace(netloc=f"{host}:{default}")
    elif port == default:
        other = parts._replace(netloc=host)
    else:
        return [url]
    return [url, urlunsplit(other)]


def valid(token: str, url: str, params: list[tuple[str, str]], given: str) -> bool:
    if not token or not given:
        return False
    return any(
        hmac.compare_digest(signature(token, candidate, params).encode(), given.encode())
        for candidate in _variants(url)
    )
