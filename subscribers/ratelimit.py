"""One sending rate shared by every worker: NOTIFY_RATE_PER_SECOND messages per second.

With Redis, each second has a counter every sender increments before a message; past the
limit, senders wait for the next second. When the provider signals throttling (SMTP 421, HTTP
429), a flag set for a while quarters the rate for everyone. Without Redis (embedded mode, one
machine) or while Redis is unreachable, each process keeps the limit on its own.
"""

import contextlib
import logging
import threading
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

THROTTLE_SECONDS = 30
KEY = "beacon:notify:rate:{}"
THROTTLED = "beacon:notify:throttled"

_client: "redis.Redis | None" = None
_local = threading.local()
_local_throttled_until = 0.0


def _redis() -> "redis.Redis | None":
    global _client
    if not settings.REDIS_URL:
        return None
    if _client is None:
        # One attempt per call: redis-py's default retries turn a 1 s timeout into ~10 s.
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, retry=None
        )
    return _client


def current_limit(throttled: bool) -> int:
    limit = settings.NOTIFY_RATE_PER_SECOND
    return max(1, limit // 4) if throttled else limit


def _chunk(limit: int) -> int:
    """Messages taken from the shared counter at once: a tenth of a second's worth, at most 10,
    so a sender asks Redis once per chunk rather than once per message."""
    return max(1, min(10, limit // 10))


def acquire() -> None:
    """Block until this thread may send one message."""
    second = int(time.time())
    allowance = getattr(_local, "allowance", None)
    if allowance and allowance[0] == second and allowance[1] > 0:
        _local.allowance = (second, allowance[1] - 1)
        return
    client = _redis()
    while client is not None:
        try:
            second = int(time.time())
            limit = current_limit(False)
            chunk = _chunk(limit)
            pipe = client.pipeline()
            pipe.incrby(KEY.format(second), chunk)
            pipe.expire(KEY.format(second), 5)
            pipe.exists(THROTTLED)
            count, _, throttled = pipe.execute()
        except redis.RedisError:
            logger.warning("rate limit: Redis unreachable, limiting this process alone")
            break
        limit = current_limit(bool(throttled))
        granted = min(chunk, limit - (count - chunk))
        if granted > 0:
            _local.allowance = (second, granted - 1)
            return
        time.sleep(max(0.0, second + 1 - time.time()) + 0.001)
    _acquire_locally()


def _acquire_locally() -> None:
    throttled = time.time() < _local_throttled_until
    interval = 1.0 / current_limit(throttled)
    next_at = getattr(_local, "next_at", 0.0)
    now = time.monotonic()
    if next_at > now:
        time.sleep(next_at - now)
    _local.next_at = max(now, next_at) + interval


def throttled() -> None:
    """The provider asked us to slow down: every sender slows for a while."""
    global _local_throttled_until
    _local_throttled_until = time.time() + THROTTLE_SECONDS
    _local.allowance = None
    client = _redis()
    if client is not None:
        with contextlib.suppress(redis.RedisError):
            client.set(THROTTLED, 1, ex=THROTTLE_SECONDS)
