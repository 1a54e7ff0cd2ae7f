"""Heartbeats: a secret URL that a cron job or backup script calls when it has run.

`GET|POST|HEAD /heartbeat/<token>` says the job ran; `/heartbeat/<token>/fail` says it ran and
failed. A heartbeat is down once no ping has arrived within `interval_seconds +
grace_seconds` of the last one (or of its creation): its schedule is due at that deadline, and
a worker claiming it then records the miss (monitors/scheduling.py). A ping moves the deadline
on, records a result and decides at once, so a heartbeat is back up with its first ping.

Pings are limited to one per token per PING_MIN_SECONDS, first in the process (no database
read for a token that pings in a loop), then in the database with a conditional UPDATE, so
that many web processes together still write at most one result per token per window.
"""

import threading
import time
from datetime import timedelta
from enum import Enum

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from components.models import Component

from .decisions import decide
from .models import Monitor, MonitorKind, MonitorResult, Verdict
from .scheduling import schedule_heartbeat

PING_MIN_SECONDS = 1.0
TOKEN_MAX_LENGTH = 64
# Tokens remembered per process for the rate limit; the memory is dropped when it is full.
RECENT_LIMIT = 10_000


class Ping(Enum):
    RECORDED = "recorded"
    UNKNOWN = "unknown"
    TOO_SOON = "too_soon"


_recent: dict[str, float] = {}
_recent_lock = threading.Lock()


def _too_soon_here(key: str) -> bool:
    now = time.monotonic()
    with _recent_lock:
        last = _recent.get(key)
        if last is not None and now - last < PING_MIN_SECONDS:
            return True
        if len(_recent) >= RECENT_LIMIT:
            _recent.clear()
        _recent[key] = now
    return False


def ping(*, token: str, failed: bool = False) -> Ping:
    """A ping for `token`: record it and decide, unless it is unknown or too soon."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return Ping.UNKNOWN
    if _too_soon_here(token):
        # Known or not: a token that pings in a loop costs no query.
        return Ping.TOO_SOON
    now = timezone.now()
    with transaction.atomic():
        monitor = (
            Monitor.objects.filter(heartbeat_token=token, kind=MonitorKind.HEARTBEAT)
            .only("pk", "component_id", "enabled", "interval_seconds", "grace_seconds")
            .first()
        )
        if monitor is None:
            return Ping.UNKNOWN
        # The component's row first, as every decision about it locks it before the monitor's.
        Component.objects.select_for_update().filter(pk=monitor.component_id).first()
        window = now - timedelta(seconds=PING_MIN_SECONDS)
        taken = (
            Monitor.objects.filter(pk=monitor.pk)
            .filter(Q(last_ping_at__isnull=True) | Q(last_ping_at__lte=window))
            .update(last_ping_at=now)
        )
        if not taken:
            return Ping.TOO_SOON
        MonitorResult.objects.create(
            monitor_id=monitor.pk,
            region="",
            checked_at=now,
            verdict=Verdict.DOWN if failed else Verdict.UP,
            error="the job reported a failure" if failed else "",
        )
        Monitor.objects.filter(pk=monitor.pk).update(
            last_checked_at=now,
            last_verdict=Verdict.DOWN if failed else Verdict.UP,
            last_latency_ms=None,
            last_error="the job reported a failure" if failed else "",
        )
        schedule_heartbeat(monitor=monitor, now=now)
        if monitor.enabled:
            decide(monitor_id=monitor.pk)
    return Ping.RECORDED
