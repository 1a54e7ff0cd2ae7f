"""What a monitor must be before it is saved: every field checked, with a message per field.

`validate_monitor` is called by the admin's form (without resolving names, to answer fast) and
by `editing.save_monitor` (resolving the target's host once, to refuse private addresses). The
probes check addresses again when they connect, since a name may resolve elsewhere later.
Syntax is checked for every field whatever the kind, so what is stored is always well-formed;
the rules that tie fields together (a body needs POST, a port is TCP's) apply to the kind's own.
"""

import ipaddress
import math
import re
import socket
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from components.scope import check_page_scope
from statuspage.netaddr import is_public_address

from .models import HttpMethod, MonitorKind

if TYPE_CHECKING:
    from .models import Monitor

# Bounds. Checks more often than every 10 s are load, not information; a heartbeat may be a
# monthly job.
CHECK_INTERVAL = (10, 24 * 3600)
HEARTBEAT_INTERVAL = (60, 31 * 24 * 3600)
TIMEOUT = (1.0, 60.0)
MAX_GRACE = 7 * 24 * 3600
MAX_WINDOW = 20
MAX_REGIONS = 10
MAX_HEADERS = 20
MAX_HEADER_VALUE = 1000
MAX_BODY = 10_000
MAX_URL = 500
MAX_TLS_DAYS = 365
# A name that takes longer than this to resolve is refused rather than hold up the save.
RESOLVE_TIMEOUT = 5.0

# Headers the HTTP client writes itself: a monitor's own would contradict them.
RESERVED_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}

HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
JSON_PATH = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+){0,19}$")
REGION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
STATUS_ITEM = re.compile(r"^(\d{3})(?:-(\d{3}))?$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

PRIVATE_REFUSED = (
    "{host} is a private, loopback, link-local or shared address ({address}). Beacon checks "
    "public targets only, unless MONITOR_ALLOW_PRIVATE_TARGETS is set."
)

_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="monitor-resolve")


class Problems:
    """Messages gathered per field, raised together."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


# Pieces, usable on their own ---------------------------------------------------------------


def parse_status_spec(spec: str) -> list[tuple[int, int]]:
    """ "200-299,301" as [(200, 299), (301, 301)]; ValueError when it is not that."""
    ranges = []
    items = [item.strip() for item in (spec or "").split(",")]
    if not spec.strip() or len(items) > 20:
        raise ValueError(spec)
    for item in items:
        match = STATUS_ITEM.match(item)
        if not match:
            raise ValueError(item)
        low = int(match[1])
        high = int(match[2] or low)
        if not 100 <= low <= high <= 599:
            raise ValueError(item)
        ranges.append((low, high))
    return ranges


def is_domain_name(name: str) -> bool:
    """A DNS name in ASCII (an international one as xn--…), with or without its final dot."""
    if not name or not name.isascii():
        return False
    bare = name[:-1] if name.endswith(".") else name
    if not bare or len(bare) > 253:
        return False
    return all(LABEL.match(label) for label in bare.split("."))


def ip_literal(host: str) -> str | None:
    """The address, when `host` is one (brackets and a zone allowed); None for a name."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        return None
    return bare


def split_http_url(url: str) -> tuple[str, int]:
    """(host, port) of a URL a monitor may check; ValueError with the message otherwise."""
    if not url:
        raise ValueError("Enter the URL to check, such as https://example.com/health.")
    if len(url) > MAX_URL:
        raise ValueError(f"The URL is longer than {MAX_URL} characters.")
    if not url.isascii() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ValueError(
            "Enter the URL without spaces, in ASCII (a non-ASCII domain name as xn--…)."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(
            "Enter an http:// or https:// URL, such as https://example.com/."
        ) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("Enter an http:// or https:// URL, such as https://example.com/.")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "Leave user names and passwords out of the URL; send an Authorization header instead."
        )
    if port == 0:
        raise ValueError("The URL's port must be between 1 and 65535.")
    host = parts.hostname
    if not ip_literal(host) and not is_domain_name(host):
        raise ValueError(f"“{host}” is not a valid host name.")
    return host, port or (443 if parts.scheme == "https" else 80)


def split_resolver(value: str) -> tuple[str, int]:
    """(address, port) of "9.9.9.9", "9.9.9.9:53", "2620:fe::fe" or "[2620:fe::fe]:53"."""
    value = value.strip()
    host, port = value, 53
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(value)
            port = int(rest[1:])
    elif value.count(":") == 1:
        host, _, digits = value.partition(":")
        if not digits.isdigit():
            raise ValueError(value)
        port = int(digits)
    if ip_literal(host) is None or not 1 <= port <= 65535:
        raise ValueError(value)
    return host, port


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, within RESOLVE_TIMEOUT; OSError when it does not."""
    future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=RESOLVE_TIMEOUT)
    except FutureTimeout:
        raise OSError(f"{host} did not resolve within {RESOLVE_TIMEOUT:g} seconds.") from None
    except (OSError, UnicodeError):
        raise OSError(f"{host} does not resolve; check the name.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise OSError(f"{host} does not resolve; check the name.")
    return addresses


def check_public(host: str, port: int, *, resolve_names: bool) -> str | None:
    """A message when `host` is (or resolves to) a private address and that is not allowed."""
    if settings.MONITOR_ALLOW_PRIVATE_TARGETS:
        return None
    literal = ip_literal(host)
    if literal is not None:
        addresses = [literal]
    elif resolve_names:
        try:
            addresses = resolve(host, port)
        except OSError as error:
            return str(error)
    else:
        return None
    for address in addresses:
        if not is_public_address(address):
            return PRIVATE_REFUSED.format(host=host, address=address)
    return None


# The monitor as a whole ---------------------------------------------------------------------


def validate_monitor(monitor: "Monitor", *, resolve_names: bool = True) -> None:
    """Raise a ValidationError naming each field that is wrong, with what to do about it.

    `resolve_names`: look the target's host up once and refuse private addresses (unless
    MONITOR_ALLOW_PRIVATE_TARGETS); without it only address literals are checked."""
    problems = Problems()
    _check_name(monitor, problems)
    _check_timing(monitor, problems)
    _check_target(monitor, problems, resolve_names)
    _check_http_options(monitor, problems)
    _check_dns_options(monitor, problems, resolve_names)
    _check_regions(monitor, problems)
    _check_thresholds(monitor, problems)
    _check_page(monitor, problems)
    problems.raise_any()


def _check_name(monitor: "Monitor", problems: Problems) -> None:
    if not monitor.name.strip():
        problems.add("name", "Give the monitor a name.")
    elif CONTROL.search(monitor.name):
        problems.add("name", "The name must be one line of text.")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _whole(value: Any) -> int | None:
    """An integer setting, or None when it is not one (a caller other than the form may pass
    anything)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    number = _number(value)
    return int(number) if number is not None and number == int(number) else None


def _check_timing(monitor: "Monitor", problems: Problems) -> None:
    heartbeat = monitor.kind == MonitorKind.HEARTBEAT
    low, high = HEARTBEAT_INTERVAL if heartbeat else CHECK_INTERVAL
    interval = _number(monitor.interval_seconds)
    if interval is None or not low <= interval <= high:
        problems.add(
            "interval_seconds",
            (
                f"A heartbeat's period is between 1 minute ({low} seconds) and 31 days "
                f"({high} seconds)."
                if heartbeat
                else f"Check between every {low} seconds and once a day ({high} seconds)."
            ),
        )
    if heartbeat:
        grace = _number(monitor.grace_seconds)
        if grace is None or not 0 <= grace <= MAX_GRACE:
            problems.add(
                "grace_seconds", f"The grace period is between 0 and 7 days ({MAX_GRACE} seconds)."
            )
        return
    timeout = _number(monitor.timeout_seconds)
    if timeout is None or not TIMEOUT[0] <= timeout <= TIMEOUT[1]:
        problems.add(
            "timeout_seconds",
            f"The timeout is between {TIMEOUT[0]:g} and {TIMEOUT[1]:g} seconds.",
        )
    elif interval is not None and timeout >= interval:
        problems.add(
            "timeout_seconds",
            "The timeout must be shorter than the interval, so that one check ends before "
            "the next is due.",
        )


def _check_target(monitor: "Monitor", problems: Problems, resolve_names: bool) -> None:
    target = (monitor.target or "").strip()
    if monitor.kind == MonitorKind.HTTP:
        try:
            host, port = split_http_url(target)
        except ValueError as error:
            problems.add("target", str(error))
            return
        refused = check_public(host, port, resolve_names=resolve_names)
        if refused:
            problems.add("target", refused)
    elif monitor.kind == MonitorKind.TCP:
        tcp_port = _whole(monitor.port)
        if tcp_port is None or not 1 <= tcp_port <= 65535:
            problems.add("port", "Enter the port to connect to, between 1 and 65535.")
        literal = ip_literal(target)
        if not target:
            problems.add("target", "Enter the host to connect to, such as db.example.com.")
        elif literal is None and not is_domain_name(target):
            problems.add(
                "target",
                "Enter a host name or an IP address, without a scheme or a port "
                "(the port has its own field).",
            )
        elif "port" not in problems:
            refused = check_public(literal or target, tcp_port or 0, resolve_names=resolve_names)
            if refused:
                problems.add("target", refused)
    elif monitor.kind == MonitorKind.DNS:
        if not target:
            problems.add("target", "Enter the name to look up, such as example.com.")
        elif not is_domain_name(target):
            problems.add(
                "target",
                "Enter a domain name, such as example.com (a non-ASCII name as xn--…).",
            )


def _check_http_options(monitor: "Monitor", problems: Problems) -> None:
    http = monitor.kind == MonitorKind.HTTP
    try:
        parse_status_spec(monitor.expected_statuses or "")
    except ValueError:
        problems.add(
            "expected_statuses",
            "Enter status codes and ranges between 100 and 599, as 200-299,301.",
        )
    _check_headers(monitor.headers, problems)
    if monitor.keyword and CONTROL.search(monitor.keyword):
        problems.add("keyword", "The keyword must be one line of text.")
    if monitor.json_path and not JSON_PATH.match(monitor.json_path):
        problems.add(
            "json_path",
            "Enter a dotted path of names and list positions, as status.db or checks.0.ok.",
        )
    if monitor.json_expected and not monitor.json_path:
        problems.add("json_path", "Give the JSON path where the expected value is found.")
    if monitor.json_expected and CONTROL.search(monitor.json_expected):
        problems.add("json_expected", "The expected value must be one line of text.")
    if len(monitor.body or "") > MAX_BODY:
        problems.add("body", f"The request body is longer than {MAX_BODY:,} characters.")
    elif http and monitor.body and monitor.method != HttpMethod.POST:
        problems.add("body", "A request body is sent with POST only: pick POST, or clear it.")
    tls_days = _whole(monitor.tls_expiry_days)
    if tls_days is None or not 0 <= tls_days <= MAX_TLS_DAYS:
        problems.add(
            "tls_expiry_days",
            f"Warn 0 (never) to {MAX_TLS_DAYS} days before a certificate expires.",
        )
    raw_latency = monitor.degraded_latency_ms
    latency = _whole(raw_latency)
    if raw_latency is not None and latency is None:
        problems.add("degraded_latency_ms", "Enter the latency threshold in whole milliseconds.")
    if latency is not None:
        timeout = _number(monitor.timeout_seconds)
        if latency < 1:
            problems.add("degraded_latency_ms", "The latency threshold is at least 1 ms.")
        elif http and timeout is not None and latency >= timeout * 1000:
            problems.add(
                "degraded_latency_ms",
                f"The latency threshold must be below the timeout ({timeout * 1000:g} ms): "
                "a slower check fails.",
            )


def _check_headers(headers: Any, problems: Problems) -> None:
    shape = (
        'Enter the headers as a JSON object of names and text values, as {"Accept": "text/html"}.'
    )
    if headers in (None, "", {}):
        return
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        problems.add("headers", shape)
        return
    if len(headers) > MAX_HEADERS:
        problems.add("headers", f"Send at most {MAX_HEADERS} headers.")
    for name, value in headers.items():
        if not HEADER_NAME.match(name):
            problems.add(
                "headers", f"“{name[:40]}” is not a header name: use letters, digits and -."
            )
        elif name.lower() in RESERVED_HEADERS:
            problems.add("headers", f"Beacon sets the {name} header itself; leave it out.")
        if "\r" in value or "\n" in value or CONTROL.search(value.replace("\t", "")):
            problems.add(
                "headers", f"The value of {name[:40]} must be one line, without line breaks."
            )
        elif len(value) > MAX_HEADER_VALUE:
            problems.add(
                "headers", f"The value of {name[:40]} is longer than {MAX_HEADER_VALUE} characters."
            )


def _check_dns_options(monitor: "Monitor", problems: Problems, resolve_names: bool) -> None:
    if monitor.dns_expected and CONTROL.search(monitor.dns_expected):
        problems.add("dns_expected", "The expected answers must be one line, comma-separated.")
    if not monitor.dns_resolver:
        return
    try:
        host, port = split_resolver(monitor.dns_resolver)
    except ValueError:
        problems.add(
            "dns_resolver",
            "Enter the resolver as an address, or address:port, as 9.9.9.9 or [2620:fe::fe]:53.",
        )
        return
    if monitor.kind == MonitorKind.DNS:
        refused = check_public(host, port, resolve_names=resolve_names)
        if refused:
            problems.add("dns_resolver", refused)


def region_list(value: Any) -> list[str] | None:
    """The regions as a list of names, or None when `value` is not a list of strings."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        return None
    return value


def _check_regions(monitor: "Monitor", problems: Problems) -> None:
    regions = region_list(monitor.regions)
    if regions is None:
        problems.add("regions", "Enter region names, separated by commas.")
        return
    if monitor.kind == MonitorKind.HEARTBEAT and regions:
        problems.add("regions", "A heartbeat is called from outside: it runs in no region.")
    bad = [r for r in regions if not REGION.match(r)]
    if bad:
        problems.add(
            "regions",
            f"“{bad[0][:40]}” is not a region name: letters, digits, . _ and -, "
            "up to 40 characters.",
        )
    if len(set(regions)) != len(regions):
        problems.add("regions", "Name each region once.")
    if len(regions) > MAX_REGIONS:
        problems.add("regions", f"A monitor runs in at most {MAX_REGIONS} regions.")
    available = max(len(set(regions)), 1)
    required = _whole(monitor.regions_required)
    if required is None or required < 1:
        problems.add("regions_required", "At least one region must agree.")
    elif required > available:
        problems.add(
            "regions_required",
            f"It runs in {available} region{'s' if available > 1 else ''}: "
            f"at most {available} can agree."
            if regions
            else "With no regions named, one check decides: leave it at 1.",
        )


def _check_thresholds(monitor: "Monitor", problems: Problems) -> None:
    down_after, window, up_after = (
        _whole(monitor.down_after),
        _whole(monitor.down_window),
        _whole(monitor.up_after),
    )
    if window is None or not 1 <= window <= MAX_WINDOW:
        problems.add("down_window", f"Count failures among the last 1 to {MAX_WINDOW} checks.")
    if down_after is None or down_after < 1:
        problems.add("down_after", "At least one failure is needed to call it down.")
    elif window is not None and down_after > window:
        problems.add(
            "down_after",
            f"{down_after} failures cannot fit in a window of {window} checks; "
            "widen the window or ask for fewer.",
        )
    if up_after is None or not 1 <= up_after <= MAX_WINDOW:
        problems.add("up_after", f"Between 1 and {MAX_WINDOW} successes in a row.")


def _check_page(monitor: "Monitor", problems: Problems) -> None:
    if not monitor.page_id:
        return
    for field, related, message in (
        ("component", _related(monitor, "component"), "Pick a component of the monitor's page."),
        (
            "incident_template",
            _related(monitor, "incident_template"),
            "Pick an incident template of the monitor's page.",
        ),
    ):
        try:
            check_page_scope(monitor.page_id, related, field=field, message=message)
        except ValidationError as error:
            for message_text in error.messages:
                problems.add(field, message_text)


def _related(monitor: "Monitor", name: str) -> Iterable[Any]:
    if getattr(monitor, f"{name}_id") is None:
        return []
    return [getattr(monitor, name)]
