"""Running checks: each probe is a coroutine from a `Target` to an `Outcome`, without the ORM.

Workers claim due checks, copy each monitor into a `Target`, run the batch concurrently on one
event loop with `run_all`, and record the outcomes. Every probe is bounded in time (the
monitor's timeout covers the whole check: lookups, connecting, TLS, every redirect and the
body, not each read) and in bytes read (at most `BODY_LIMIT` of a body, headers as aiohttp
bounds them). A probe never raises: whatever a target does, the outcome is a verdict with a
short error a person can read.

Targets on private, loopback, link-local or shared addresses are refused unless
MONITOR_ALLOW_PRIVATE_TARGETS, when connecting (after the lookup, for every redirect), so that
a name that resolves somewhere else the second time cannot get round it.

Heartbeat monitors are not probed: their pings decide them (monitors/heartbeats.py). Callers
pass only the kinds in `PROBED_KINDS`; `probe` answers a heartbeat with a DOWN outcome saying
so rather than guessing.
"""

import asyncio
import codecs
import contextlib
import ipaddress
import json
import logging
import math
import os
import socket
import ssl
import time
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import aiohttp
import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from aiohttp.abc import ResolveResult
from aiohttp.http_exceptions import LineTooLong
from aiohttp.resolver import ThreadedResolver
from django.conf import settings
from yarl import URL

from statuspage.netaddr import is_public_address

from .models import ERROR_LENGTH, MonitorKind, Verdict

if TYPE_CHECKING:
    from .models import ClaimedMonitor, Monitor

logger = logging.getLogger(__name__)

# At most this much of a response body is read, for keywords and JSON paths.
BODY_LIMIT = 64 * 1024
# Redirects followed before giving up (browsers stop at about 20; a health URL needs few).
MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that describe the connection or the body's framing are the client's to set: a
# monitor's own Content-Length would leave the server waiting for a body that never comes.
FRAMING_HEADERS = frozenset(
    {"connection", "content-length", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"}
)
USER_AGENT = "Beacon-Monitor/1.0"
# The kinds `probe` runs; heartbeats are decided from their pings.
PROBED_KINDS = frozenset({MonitorKind.HTTP, MonitorKind.TCP, MonitorKind.DNS})
DNS_RECORD_TYPES = frozenset({"A", "AAAA", "CNAME", "MX", "TXT", "NS"})


@dataclass(frozen=True)
class Target:
    """What a probe needs, copied out of a Monitor."""

    monitor_id: int
    kind: str
    target: str
    timeout: float
    port: int | None = None
    method: str = "GET"
    expected_statuses: str = "200-299"
    keyword: str = ""
    json_path: str = ""
    json_expected: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    follow_redirects: bool = True
    verify_tls: bool = True
    tls_expiry_days: int = 14
    degraded_latency_ms: int | None = None
    dns_record_type: str = "A"
    dns_expected: str = ""
    dns_resolver: str = ""

    @classmethod
    def from_monitor(cls, monitor: "Monitor | ClaimedMonitor") -> "Target":
        return cls(
            monitor_id=monitor.pk,
            kind=monitor.kind,
            target=monitor.target,
            timeout=float(monitor.timeout_seconds),
            port=monitor.port,
            method=monitor.method,
            expected_statuses=monitor.expected_statuses,
            keyword=monitor.keyword,
            json_path=monitor.json_path,
            json_expected=monitor.json_expected,
            headers={str(k): str(v) for k, v in (monitor.headers or {}).items()},
            body=monitor.body,
            follow_redirects=monitor.follow_redirects,
            verify_tls=monitor.verify_tls,
            tls_expiry_days=monitor.tls_expiry_days,
            degraded_latency_ms=monitor.degraded_latency_ms,
            dns_record_type=monitor.dns_record_type,
            dns_expected=monitor.dns_expected,
            dns_resolver=monitor.dns_resolver,
        )


@dataclass(frozen=True)
class Outcome:
    verdict: str
    latency_ms: float | None = None
    status_code: int | None = None
    error: str = ""

    @classmethod
    def down(cls, error: str, **kwargs: Any) -> "Outcome":
        return cls(verdict=Verdict.DOWN, error=shorten(error, ERROR_LENGTH), **kwargs)


class CheckFailed(Exception):
    """A check's failure, with the sentence to record (and the status, when there was one)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class PrivateTargetRefused(OSError):
    """A connection to an address inside a network, refused (raised inside aiohttp's connector,
    which passes OSErrors through to us as the cause of its own)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def status_matches(code: int, spec: str) -> bool:
    """Whether `code` is among "200-299,301"-style `spec`."""
    return any(low <= code <= high for low, high in _status_ranges(spec))


@lru_cache(maxsize=1024)
def _status_ranges(spec: str) -> tuple[tuple[int, int], ...]:
    ranges = []
    for part in (p.strip() for p in spec.split(",")):
        low, dash, high = part.partition("-")
        try:
            ranges.append((int(low), int(high)) if dash else (int(part), int(part)))
        except ValueError:
            continue
    return tuple(ranges)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _shown_url(url: URL) -> str:
    """A URL as an error may show it: without credentials, query or fragment, not too long."""
    try:
        shown = str(url.with_user(None).with_query(None).with_fragment(None))
    except ValueError:
        shown = "an invalid address"
    return shorten(shown, 120)


# Addresses --------------------------------------------------------------------------------


def private_targets_allowed() -> bool:
    return bool(settings.MONITOR_ALLOW_PRIVATE_TARGETS)


def refuse_private(host: str, addresses: Sequence[str]) -> None:
    """Raise PrivateTargetRefused if any of the addresses `host` stands for is not public."""
    if private_targets_allowed():
        return
    for address in addresses:
        try:
            public = is_public_address(address)
        except ValueError:
            public = False
        if not public:
            if address == host.strip("[]"):
                raise PrivateTargetRefused(f"refused: {address} is not a public address")
            raise PrivateTargetRefused(
                f"refused: {shorten(host, 80)} resolves to {address}, not a public address"
            )


class PublicOnlyResolver(ThreadedResolver):
    """The system's lookup, refusing a name with any private address among its answers."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        hosts = await super().resolve(host, port, family)
        refuse_private(host, [h["host"] for h in hosts])
        return hosts


def public_only_socket(addr_info: Any) -> socket.socket:
    """aiohttp's socket factory: the last word before connecting, for every hop. It sees IP
    literals too, which skip the resolver."""
    family, type_, proto, _, address = addr_info
    refuse_private(str(address[0]), [str(address[0])])
    return socket.socket(family=family, type=type_, proto=proto)


# TLS ---------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _tls_context(verify: bool, ca_file: str) -> ssl.SSLContext:
    # Building a context (and loading the system's trust store) costs milliseconds: once per
    # process and setting, never per check.
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def tls_context(verify: bool) -> ssl.SSLContext:
    ca_file = str(settings.MONITOR_CA_FILE or "")
    try:
        return _tls_context(verify, ca_file)
    except (OSError, ssl.SSLError):
        raise CheckFailed("MONITOR_CA_FILE could not be loaded as PEM certificates") from None


class ProbeResponse(aiohttp.ClientResponse):
    """A response that keeps its TLS peer certificate, taken before aiohttp lets go of the
    connection (which it does at once for a response without a body)."""

    peer_cert: dict[str, Any] | None = None
    peer_cert_der: bytes | None = None

    async def start(self, connection: Any) -> "ProbeResponse":
        transport = connection.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        if ssl_object is not None:
            # Verified: the parsed form. Unverified, Python parses nothing: keep the DER bytes.
            self.peer_cert = ssl_object.getpeercert() or None
            if self.peer_cert is None:
                self.peer_cert_der = ssl_object.getpeercert(binary_form=True)
        await super().start(connection)
        return self

    def certificate_expiry(self) -> datetime | None:
        if self.peer_cert and "notAfter" in self.peer_cert:
            seconds = ssl.cert_time_to_seconds(str(self.peer_cert["notAfter"]))
            return datetime.fromtimestamp(seconds, UTC)
        if self.peer_cert_der:
            from cryptography import x509

            try:
                certificate = x509.load_der_x509_certificate(self.peer_cert_der)
            except ValueError:
                return None
            return certificate.not_valid_after_utc
        return None


def _certificate_error(error: ssl.SSLCertVerificationError, host: str) -> str:
    code = getattr(error, "verify_code", None)
    known = {
        9: "certificate is not yet valid",
        10: "certificate has expired",
        18: "self-signed certificate",
        19: "self-signed certificate in the chain",
        20: "certificate issued by an unknown authority",
        21: "certificate issued by an unknown authority",
        23: "certificate has been revoked",
        62: f"certificate is not valid for {shorten(host, 80)}",
        64: f"certificate is not valid for {shorten(host, 80)}",
    }
    if code in known:
        return known[code]
    message = str(getattr(error, "verify_message", "") or "").strip()
    return f"invalid certificate: {message}" if message else "invalid certificate"


def _tls_error(error: BaseException) -> str:
    reason = str(getattr(error, "reason", "") or "").replace("_", " ").lower()
    return f"TLS handshake failed ({reason})" if reason else "TLS handshake failed"


# Errors ------------------------------------------------------------------------------------


def _os_error(error: OSError, host: str) -> str:
    """A connection's failure in a few words, never Python's rendering of it."""
    if isinstance(error, PrivateTargetRefused):
        return error.message
    if isinstance(error, socket.gaierror):
        if error.errno in {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)}:
            return f"{shorten(host, 80)} does not resolve"
        return f"looking up {shorten(host, 80)} failed"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(error, TimeoutError):
        return "connection timed out"
    if error.errno:
        return f"connection failed ({os.strerror(error.errno).lower()})"
    return "connection failed"


def _root_os_error(error: BaseException) -> OSError | None:
    """The first OSError aiohttp wrapped (its own errors are OSErrors too)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PrivateTargetRefused):
            return current
        inner = getattr(current, "os_error", None)
        if isinstance(inner, OSError) and inner is not current:
            current = inner
            continue
        if isinstance(current, OSError) and not isinstance(current, aiohttp.ClientError):
            return current
        current = current.__cause__
    return None


def describe_http_error(error: BaseException, host: str) -> str:
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return _certificate_error(error.certificate_error, host)  # type: ignore[arg-type]
    if isinstance(error, aiohttp.ClientConnectorSSLError):
        return _tls_error(error.os_error)
    if isinstance(error, ssl.SSLCertVerificationError):
        return _certificate_error(error, host)
    if isinstance(error, ssl.SSLError):
        return _tls_error(error)
    if isinstance(error, aiohttp.InvalidURL):
        return "not a valid http:// or https:// URL"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without answering"
    if isinstance(error, aiohttp.ClientPayloadError):
        return "the response body was cut off or malformed"
    if isinstance(error, aiohttp.ClientResponseError):
        # The parser's own words quote the bytes received: name the problem instead.
        cause = error.__cause__
        said = str(getattr(cause, "message", "") or error.message or "").lower()
        if isinstance(cause, LineTooLong) or "got more than" in said:
            return "not a valid HTTP response (a header line is too long)"
        if "too many headers" in said:
            return "not a valid HTTP response (too many headers)"
        if "status line" in said:
            return "not a valid HTTP response (no HTTP status line)"
        return "not a valid HTTP response"
    root = _root_os_error(error)
    if root is not None:
        return _os_error(root, host)
    if isinstance(error, aiohttp.ClientError):
        return "the request failed"
    if isinstance(error, UnicodeError):
        return f"{shorten(host, 80)} is not a valid host name"
    if isinstance(error, ValueError):
        return "the monitor's method or headers are not valid HTTP"
    return "the check failed"


# HTTP(S) -----------------------------------------------------------------------------------


async def _read_prefix(response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    """At most BODY_LIMIT bytes of the body, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    content = response.content
    while size <= BODY_LIMIT and not content.at_eof():
        chunk = await content.read(BODY_LIMIT + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    return data[:BODY_LIMIT], len(data) > BODY_LIMIT


def _decode(response: aiohttp.ClientResponse, data: bytes) -> str:
    encoding = response.charset or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return data.decode(encoding, errors="replace")


def _quoted(text: str) -> str:
    return f"'{shorten(text, 60)}'"


def _json_path_parts(path: str) -> list[str]:
    return [p for p in path.replace("[", ".").replace("]", "").split(".") if p != ""]


def _json_text(value: Any) -> str:
    """A JSON value as text, the way an operator types the expected one."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def check_json(text: str, truncated: bool, path: str, expected: str) -> None:
    """Raise CheckFailed unless `path` leads to a value (equal to `expected`, if given)."""
    limit = f"{BODY_LIMIT // 1024} KB"
    if truncated:
        raise CheckFailed(f"the body is larger than {limit}, too large to read as JSON")
    try:
        value: Any = json.loads(text)
    except (ValueError, RecursionError):
        raise CheckFailed("the body is not JSON") from None
    for part in _json_path_parts(path):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise CheckFailed(f"{shorten(path, 80)} not found in the JSON body")
    if not expected:
        return
    actual = _json_text(value)
    wanted = expected.strip()
    same = actual == wanted
    if not same and (isinstance(value, bool) or value is None):
        same = actual == wanted.lower()
    if not same:
        raise CheckFailed(f"{shorten(path, 80)} is {_quoted(actual)} (expected {_quoted(wanted)})")


def _next_request(
    method: str, data: bytes | None, headers: dict[str, str], status: int, old: URL, new: URL
) -> tuple[str, bytes | None, dict[str, str]]:
    """What a redirect asks for next: 303 (and 301/302 after a POST, as browsers do) become
    GET; credentials are not sent to another origin."""
    if (status == 303 and method != "HEAD") or (status in {301, 302} and method == "POST"):
        method, data = "GET", None
    if new.origin() != old.origin():
        private = {"authorization", "cookie", "proxy-authorization"}
        headers = {k: v for k, v in headers.items() if k.lower() not in private}
    return method, data, headers


@dataclass
class Progress:
    """How far an HTTP check got, for the sentence when its time runs out."""

    started: float = field(default_factory=time.perf_counter)
    status: int | None = None
    url: URL | None = None
    redirected: bool = False


async def probe_http(
    target: Target, session: aiohttp.ClientSession, progress: Progress | None = None
) -> Outcome:
    progress = progress if progress is not None else Progress()
    try:
        url = URL(target.target.strip())
    except (ValueError, TypeError):
        raise CheckFailed("not a valid http:// or https:// URL") from None
    if url.scheme not in {"http", "https"} or not url.host:
        raise CheckFailed("not a valid http:// or https:// URL")
    method = target.method.upper() or "GET"
    data = target.body.encode() if method == "POST" and target.body else None
    headers = {k: v for k, v in target.headers.items() if k.lower() not in FRAMING_HEADERS}
    seen: set[str] = set()
    for hop in range(MAX_REDIRECTS + 1):
        seen.add(str(url))
        progress.url, progress.redirected = url, hop > 0
        ssl_option = tls_context(target.verify_tls) if url.scheme == "https" else False
        try:
            async with session.request(
                method, url, headers=headers, data=data, allow_redirects=False, ssl=ssl_option
            ) as response:
                progress.status = response.status
                location = response.headers.get("Location")
                if not (
                    target.follow_redirects and response.status in REDIRECT_STATUSES and location
                ):
                    assert isinstance(response, ProbeResponse)
                    return await _judge_http(target, response, progress.started)
        except (CheckFailed, TimeoutError):
            raise
        except Exception as error:  # whatever a target does is an outcome
            message = describe_http_error(error, url.host or "")
            if hop:
                message += f" (after a redirect to {_shown_url(url)})"
            raise CheckFailed(message, progress.status) from None
        status = progress.status
        try:
            following = url.join(URL(location))
        except (ValueError, TypeError):
            raise CheckFailed("a redirect to an invalid address", status) from None
        if following.scheme not in {"http", "https"} or not following.host:
            raise CheckFailed(
                f"a redirect to an unsupported address ({_shown_url(following)})", status
            )
        if str(following) in seen:
            raise CheckFailed(f"redirect loop at {_shown_url(following)}", status)
        method, data, headers = _next_request(method, data, headers, status, url, following)
        url = following
        progress.status = None
    raise CheckFailed(
        f"more than {MAX_REDIRECTS} redirects (the last to {_shown_url(url)})", status
    )


async def _judge_http(target: Target, response: ProbeResponse, started: float) -> Outcome:
    status = response.status
    if not status_matches(status, target.expected_statuses):
        raise CheckFailed(
            f"HTTP {status} (expected {shorten(target.expected_statuses, 60)})", status
        )
    if (target.keyword or target.json_path) and target.method.upper() != "HEAD":
        data, truncated = await _read_prefix(response)
        text = _decode(response, data)
        if target.keyword and target.keyword not in text:
            where = f"the first {BODY_LIMIT // 1024} KB" if truncated else "the body"
            raise CheckFailed(f"{_quoted(target.keyword)} not found in {where}", status)
        if target.json_path:
            try:
                check_json(text, truncated, target.json_path, target.json_expected)
            except CheckFailed as failed:
                failed.status_code = status
                raise
    latency = _elapsed_ms(started)
    warnings: list[str] = []
    if target.tls_expiry_days:
        expiry = response.certificate_expiry()
        if expiry is not None:
            warning = _expiry_warning(expiry, target.tls_expiry_days)
            if warning:
                warnings.append(warning)
    return _timed(target, latency, status, warnings)


def _expiry_warning(expiry: datetime, within_days: int) -> str:
    left = expiry - datetime.now(UTC)
    if left.total_seconds() <= 0:
        return f"certificate expired on {expiry:%Y-%m-%d}"
    if left.days >= within_days:
        return ""
    days = {0: "less than a day", 1: "1 day"}.get(left.days, f"{left.days} days")
    return f"certificate expires on {expiry:%Y-%m-%d} (in {days})"


def _timed(
    target: Target, latency: float, status: int | None = None, warnings: list[str] | None = None
) -> Outcome:
    """UP, or DEGRADED when slower than the monitor's threshold or with a warning."""
    warnings = list(warnings or [])
    if target.degraded_latency_ms is not None and latency > target.degraded_latency_ms:
        warnings.insert(0, f"slow: {latency:.0f} ms (over {target.degraded_latency_ms} ms)")
    if warnings:
        return Outcome(
            verdict=Verdict.DEGRADED,
            latency_ms=latency,
            status_code=status,
            error=shorten("; ".join(warnings), ERROR_LENGTH),
        )
    return Outcome(verdict=Verdict.UP, latency_ms=latency, status_code=status)


# TCP ---------------------------------------------------------------------------------------


async def probe_tcp(target: Target) -> Outcome:
    host = target.target.strip().strip("[]")
    if not host:
        return Outcome.down("no host to connect to")
    if not target.port or not 0 < target.port < 65536:
        return Outcome.down("no port to connect to")
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    try:
        infos = await loop.getaddrinfo(host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return Outcome.down(f"{shorten(host, 80)} does not resolve")
    addresses = list(dict.fromkeys((info[0], str(info[4][0])) for info in infos))
    try:
        refuse_private(host, [address for _, address in addresses])
    except PrivateTargetRefused as refused:
        return Outcome.down(refused.message)
    failure: OSError | None = None
    for family, address in addresses:
        try:
            transport, _ = await loop.create_connection(
                asyncio.Protocol, address, target.port, family=family
            )
        except OSError as error:
            failure = error
            continue
        latency = _elapsed_ms(started)
        transport.close()
        return _timed(target, latency)
    return Outcome.down(_os_error(failure, host) if failure else "connection failed")


# DNS ---------------------------------------------------------------------------------------

# The system's resolver configuration, read again now and then (resolv.conf may change).
_system_resolver: tuple[float, dns.asyncresolver.Resolver] | None = None


def _resolver(spec: str) -> dns.asyncresolver.Resolver:
    global _system_resolver
    spec = spec.strip()
    if not spec:
        now = time.monotonic()
        if _system_resolver is None or now - _system_resolver[0] > 60:
            try:
                _system_resolver = (now, dns.asyncresolver.Resolver())
            except (dns.exception.DNSException, OSError):
                raise CheckFailed("this machine has no DNS resolver configured") from None
        return _system_resolver[1]
    address, port = parse_resolver(spec)
    try:
        refuse_private(address, [address])
    except PrivateTargetRefused:
        raise CheckFailed(f"refused: the resolver {address} is not a public address") from None
    return _custom_resolver(address, port)


@lru_cache(maxsize=256)
def _custom_resolver(address: str, port: int) -> dns.asyncresolver.Resolver:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [address]
    resolver.port = port
    return resolver


def parse_resolver(spec: str) -> tuple[str, int]:
    """(address, port) of "192.0.2.53", "192.0.2.53:5353", "2001:db8::53" or "[2001:db8::53]:53"."""
    wrong = CheckFailed(f"the resolver {shorten(spec, 60)} is not an IP address or address:port")
    host, port_text = spec, ""
    if spec.startswith("["):
        host, bracket, rest = spec[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise wrong
        port_text = rest.removeprefix(":")
    elif spec.count(":") == 1:
        host, _, port_text = spec.partition(":")
    try:
        address = str(ipaddress.ip_address(host))
        port = int(port_text) if port_text else 53
    except ValueError:
        raise wrong from None
    if not 0 < port < 65536:
        raise wrong
    return address, port


def _normalised(value: str) -> str:
    return value.strip().rstrip(".").lower()


def _answer_values(rdata: Any, record_type: str) -> set[str]:
    """Every way an operator may write one record of the answer."""
    values = {_normalised(rdata.to_text())}
    if record_type == "TXT":
        values.add(b"".join(rdata.strings).decode(errors="replace").strip())
    elif record_type == "MX":
        values.add(_normalised(rdata.exchange.to_text()))
    elif record_type in {"A", "AAAA"}:
        values.add(str(ipaddress.ip_address(rdata.address)))
    return values


def _expected_values(spec: str, record_type: str) -> list[str]:
    wanted = []
    for raw in spec.split(","):
        value = raw.strip() if record_type == "TXT" else _normalised(raw)
        if not value:
            continue
        if record_type in {"A", "AAAA"}:
            with contextlib.suppress(ValueError):
                value = str(ipaddress.ip_address(value))
        wanted.append(value)
    return wanted


async def probe_dns(target: Target) -> Outcome:
    record_type = target.dns_record_type.upper()
    if record_type not in DNS_RECORD_TYPES:
        return Outcome.down(f"{shorten(record_type, 10)} records are not checked")
    try:
        name = dns.name.from_text(target.target.strip())
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return Outcome.down("not a valid DNS name")
    shown = shorten(name.to_text(omit_final_dot=True), 80)
    resolver = _resolver(target.dns_resolver)
    started = time.perf_counter()
    try:
        answer = await resolver.resolve(
            name, record_type, lifetime=target.timeout, search=False, raise_on_no_answer=True
        )
    except dns.resolver.NXDOMAIN:
        return Outcome.down(f"{shown} does not exist (NXDOMAIN)")
    except dns.resolver.NoAnswer:
        return Outcome.down(f"no {record_type} record for {shown}")
    except dns.exception.Timeout:
        return Outcome.down(f"no answer within {_seconds(target.timeout)}")
    except dns.resolver.NoNameservers:
        return Outcome.down("the resolver could not answer (it failed or refused)")
    except dns.exception.DNSException:
        return Outcome.down("the DNS query failed")
    except OSError as error:
        return Outcome.down(_os_error(error, shown))
    latency = _elapsed_ms(started)
    found: set[str] = set()
    shown_values: list[str] = []
    for rdata in answer:
        found |= _answer_values(rdata, record_type)
        shown_values.append(rdata.to_text())
    missing = [v for v in _expected_values(target.dns_expected, record_type) if v not in found]
    if missing:
        return Outcome.down(
            f"not in the answer: {shorten(', '.join(missing), 100)} "
            f"(got {shorten(', '.join(shown_values), 120)})",
            latency_ms=latency,
        )
    return _timed(target, latency)


# Running -----------------------------------------------------------------------------------


async def probe(target: Target, session: aiohttp.ClientSession) -> Outcome:
    """One check, never raising: every failure is a DOWN outcome with a short reason."""
    if target.kind not in PROBED_KINDS:
        return Outcome.down(f"{target.kind} monitors are not probed: their pings decide them")
    if not (math.isfinite(target.timeout) and target.timeout > 0):
        return Outcome.down("the monitor's timeout is not a positive number of seconds")
    progress = Progress()
    try:
        async with asyncio.timeout(target.timeout):
            if target.kind == MonitorKind.HTTP:
                return await probe_http(target, session, progress)
            if target.kind == MonitorKind.TCP:
                return await probe_tcp(target)
            return await probe_dns(target)
    except TimeoutError:
        within = _seconds(target.timeout)
        if progress.status is not None:
            return Outcome.down(
                f"the response did not complete within {within}", status_code=progress.status
            )
        message = f"no answer within {within}"
        if progress.redirected and progress.url is not None:
            message += f" (after a redirect to {_shown_url(progress.url)})"
        return Outcome.down(message)
    except CheckFailed as failed:
        # A failing answer still took a measurable time (a 503 in 20 ms says something).
        answered = failed.status_code is not None
        return Outcome.down(
            failed.message,
            status_code=failed.status_code,
            latency_ms=_elapsed_ms(progress.started) if answered else None,
        )
    except Exception:
        logger.exception("monitor %s: the check failed unexpectedly", target.monitor_id)
        return Outcome.down("the check failed unexpectedly")


def open_session(*, concurrency: int = 100) -> aiohttp.ClientSession:
    """The one session a batch of checks shares (open it inside the batch's event loop). Its
    connections are kept alive for the batch only, so that many monitors of one host do not
    each connect anew; no cookies are kept between targets; private addresses are refused."""
    connector = aiohttp.TCPConnector(
        limit=concurrency,
        resolver=PublicOnlyResolver(),
        socket_factory=public_only_socket,
    )
    return aiohttp.ClientSession(
        connector=connector,
        response_class=ProbeResponse,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": USER_AGENT},
        # Each check's own timeout bounds it; aiohttp's default of 5 minutes would only add a
        # timer to every request.
        timeout=aiohttp.ClientTimeout(total=None),
    )


async def _run_all(
    targets: Sequence[Target], concurrency: int, due: Sequence[datetime] | None = None
) -> list[tuple[datetime, Outcome]]:
    limit = asyncio.Semaphore(concurrency)
    async with open_session(concurrency=concurrency) as session:

        async def one(target: Target, when: datetime | None) -> tuple[datetime, Outcome]:
            if when is not None:
                wait = when.timestamp() - time.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            async with limit:
                return datetime.now(UTC), await probe(target, session)

        times = due if due is not None else [None] * len(targets)
        return list(await asyncio.gather(*(one(t, w) for t, w in zip(targets, times, strict=True))))


def on_fresh_loop[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end on an event loop of its own: on this thread, or, when this
    thread already runs a loop (an async caller, a browser driver's), on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="probes") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run_all(targets: Sequence[Target], *, concurrency: int = 100) -> list[Outcome]:
    """Run the checks concurrently on a fresh event loop; outcomes in the order of targets."""
    if not targets:
        return []
    return [outcome for _, outcome in on_fresh_loop(_run_all(targets, concurrency))]


def run_when_due(
    targets: Sequence[Target], due: Sequence[datetime], *, concurrency: int = 100
) -> list[tuple[datetime, Outcome]]:
    """Run the checks on one fresh event loop, each at its due time (at once if that has
    passed), sharing one session; when each started and its outcome, in the order of targets."""
    if not targets:
        return []
    return on_fresh_loop(_run_all(targets, concurrency, due))
