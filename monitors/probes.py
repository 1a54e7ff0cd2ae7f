"""Running checks: each probe is a coroutine from a `Target` to an `Outcome`, without the ORM.

Workers claim due checks, copy each monitor into a `Target`, run the batch concurrently on one
event loop with `run_all`, and record the outcomes. Every probe is bounded in time (the
monitor's timeout covers the whole check, not each read) and in bytes read.
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

from .models import MonitorKind, Verdict

if TYPE_CHECKING:
    from .models import Monitor

# At most this much of a response body is read, for keywords and JSON paths.
BODY_LIMIT = 64 * 1024
ERROR_LENGTH = 300


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
    def from_monitor(cls, monitor: "Monitor") -> "Target":
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
        return cls(verdict=Verdict.DOWN, error=error[:ERROR_LENGTH], **kwargs)


def status_matches(code: int, spec: str) -> bool:
    """Whether `code` is among "200-299,301"-style `spec`."""
    for part in (p.strip() for p in spec.split(",")):
        low, dash, high = part.partition("-")
        try:
            if dash and int(low) <= code <= int(high):
                return True
            if not dash and int(part) == code:
                return True
        except ValueError:
            continue
    return False


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


async def probe_http(target: Target, session: aiohttp.ClientSession) -> Outcome:
    started = time.perf_counter()
    async with session.request(
        target.method,
        target.target,
        headers=target.headers,
        data=target.body.encode() if target.method == "POST" else None,
        allow_redirects=target.follow_redirects,
        ssl=target.verify_tls,
    ) as response:
        text = (await response.content.read(BODY_LIMIT)).decode(errors="replace")
        latency = _elapsed_ms(started)
        if not status_matches(response.status, target.expected_statuses):
            return Outcome.down(
                f"HTTP {response.status}", latency_ms=latency, status_code=response.status
            )
        if target.keyword and target.keyword not in text:
            return Outcome.down(
                f"{target.keyword!r} not in the response",
                latency_ms=latency,
                status_code=response.status,
            )
        slow = target.degraded_latency_ms is not None and latency > target.degraded_latency_ms
        return Outcome(
            verdict=Verdict.DEGRADED if slow else Verdict.UP,
            latency_ms=latency,
            status_code=response.status,
            error=f"slower than {target.degraded_latency_ms} ms" if slow else "",
        )


async def probe_tcp(target: Target) -> Outcome:
    started = time.perf_counter()
    _reader, writer = await asyncio.open_connection(target.target, target.port)
    latency = _elapsed_ms(started)
    writer.close()
    return Outcome(verdict=Verdict.UP, latency_ms=latency)


async def probe(target: Target, session: aiohttp.ClientSession) -> Outcome:
    """One check, never raising: every failure is a DOWN outcome with a short reason."""
    try:
        async with asyncio.timeout(target.timeout):
            if target.kind == MonitorKind.HTTP:
                return await probe_http(target, session)
            if target.kind == MonitorKind.TCP:
                return await probe_tcp(target)
            return Outcome.down(f"{target.kind} checks are not run by probes")
    except TimeoutError:
        return Outcome.down(f"no answer within {target.timeout:g} s")
    except (OSError, aiohttp.ClientError, ValueError) as error:
        return Outcome.down(str(error) or type(error).__name__)


async def _run_all(targets: Sequence[Target], concurrency: int) -> list[Outcome]:
    limit = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(target: Target) -> Outcome:
            async with limit:
                return await probe(target, session)

        return list(await asyncio.gather(*(one(t) for t in targets)))


def run_all(targets: Sequence[Target], *, concurrency: int = 100) -> list[Outcome]:
    """Run the checks concurrently on a fresh event loop; outcomes in the order of targets."""
    if not targets:
        return []
    return asyncio.run(_run_all(targets, concurrency))
