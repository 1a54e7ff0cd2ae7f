"""Sending rates shared by every worker, one per provider.

Each provider a transport names (`Transport.provider`: email, webhook, slack, teams, discord,
google_chat, twilio) has its own limit (NOTIFY_RATE_PER_SECOND for email, NOTIFY_RATES for the
rest), its own per-second counter in Redis that every sender draws from, and its own throttle
flag: when a provider signals throttling (SMTP 421, HTTP 429), its flag, set for a while,
quarters its rate and nobody else's.

Senders `take` tokens without waiting, as many as they are about to claim deliveries for: a
sender whose provider has none left this second goes on with the other providers' deliveries,
so one provider's limit never holds up another's messages. Without Redis (embedded mode, one
machine) or while Redis is unreachable, each process keeps the limits on its own.
"""

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    import redis

logger = logging.getLogger(__name__)

THROTTLE_SECONDS = 30
# After Redis fails to answer, this process limits itself alone for a while rather than
# waiting on Redis's socket timeout before every claim.
REDIS_RETRY_SECONDS = 5.0
# The braces keep a provider's keys in one Redis Cluster slot, which a script needs.
KEY = "beacon:notify:{{{provider}}}:rate:{second}"
THROTTLED = "beacon:notify:{{{provider}}}:throttled"

# Grants at most what is left of the second's limit (a quarter of it while throttled), and
# counts only what it grants, so tokens a sender hands back are there for the others.
TAKE = """
local limit = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 1 then limit = math.max(1, math.floor(limit / 4)) end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local granted = math.min(tonumber(ARGV[2]), limit - used)
if granted <= 0 then return 0 end
redis.call('INCRBY', KEYS[1], granted)
redis.call('EXPIRE', KEYS[1], 5)
return granted
"""

_client: "redis.Redis | None" = None
_take_script: Any = None
_redis_down_until = 0.0
_lock = threading.Lock()
# Without Redis: per provider, the second counted and the tokens granted in it; and until when
# the provider is throttled.
_local_windows: dict[str, tuple[int, int]] = {}
_local_throttled_until: dict[str, float] = {}


@dataclass(frozen=True)
class Tokens:
    provider: str
    second: int
    count: int
    shared: bool


def _redis() -> "redis.Redis | None":
    global _client, _take_script
    if not settings.REDIS_URL or time.monotonic() < _redis_down_until:
        return None
    if _client is None:
        # Imported here: without REDIS_URL (embedded mode) no process needs redis-py's memory.
        import redis

        # One attempt per call: redis-py's default retries turn a 1 s timeout into ~10 s.
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, retry=None
        )
        _take_script = _client.register_script(TAKE)
    return _client


def _redis_failed() -> None:
    global _redis_down_until
    logger.warning("rate limit: Redis unreachable, limiting this process alone for a while")
    _redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS


def limit(provider: str) -> int:
    """Messages a second for this provider across all workers; an unknown provider gets the
    generic webhook's limit."""
    if provider == "email":
        return int(settings.NOTIFY_RATE_PER_SECOND)
    rates: dict[str, int] = settings.NOTIFY_RATES
    return rates.get(provider, rates.get("webhook", 100))


def current_limit(provider: str, throttled: bool) -> int:
    full = limit(provider)
    return max(1, full // 4) if throttled else full


def take(provider: str, wanted: int) -> Tokens:
    """Up to `wanted` tokens for this provider's current second, at once: possibly none."""
    second = int(time.time())
    client = _redis()
    if client is not None:
        import redis

        try:
            granted = _take_script(
                keys=[KEY.format(provider=provider, second=second), _throttled_key(provider)],
                args=[limit(provider), wanted],
                client=client,
            )
            return Tokens(provider, second, int(granted), shared=True)
        except redis.RedisError:
            _redis_failed()
    return _take_locally(provider, wanted, second)


def _take_locally(provider: str, wanted: int, second: int) -> Tokens:
    throttled = time.time() < _local_throttled_until.get(provider, 0.0)
    allowed = current_limit(provider, throttled)
    with _lock:
        window, used = _local_windows.get(provider, (second, 0))
        used = used if window == second else 0
        granted = max(0, min(wanted, allowed - used))
        _local_windows[provider] = (second, used + granted)
    return Tokens(provider, second, granted, shared=False)


def give_back(tokens: Tokens, unused: int) -> None:
    """Return tokens taken and not used (fewer deliveries were due), while their second lasts."""
    if unused <= 0 or int(time.time()) != tokens.second:
        return
    if not tokens.shared:
        with _lock:
            window, used = _local_windows.get(tokens.provider, (tokens.second, 0))
            if window == tokens.second:
                _local_windows[tokens.provider] = (window, max(0, used - unused))
        return
    client = _redis()
    if client is not None:
        import redis

        with contextlib.suppress(redis.RedisError):
            client.decrby(KEY.format(provider=tokens.provider, second=tokens.second), unused)


def next_second() -> None:
    """Sleep until the next second's tokens are there."""
    time.sleep(max(0.0, int(time.time()) + 1 - time.time()) + 0.001)


def acquire(provider: str) -> None:
    """Block until one message may go through this provider (a confirmation: one message, with
    nothing else to send meanwhile)."""
    while not take(provider, 1).count:
        next_second()


def _throttled_key(provider: str) -> str:
    return THROTTLED.format(provider=provider)


def throttled(provider: str) -> None:
    """The provider asked us to slow down: every sender slows down for it, for a while."""
    _local_throttled_until[provider] = time.time() + THROTTLE_SECONDS
    client = _redis()
    if client is not None:
        import redis

        with contextlib.suppress(redis.RedisError):
            client.set(_throttled_key(provider), 1, ex=THROTTLE_SECONDS)


def is_throttled(provider: str) -> bool:
    client = _redis()
    if client is not None:
        import redis

        with contextlib.suppress(redis.RedisError):
            return bool(client.exists(_throttled_key(provider)))
    return time.time() < _local_throttled_until.get(provider, 0.0)


def clear(provider: str) -> None:
    """Forget a provider's throttling, here and in Redis: a clean slate, as for a test."""
    _local_throttled_until.pop(provider, None)
    client = _redis()
    if client is not None:
        import redis

        with contextlib.suppress(redis.RedisError):
            client.delete(_throttled_key(provider))
