"""Per-address limits for the public forms that send mail (subscribing, a private page's
sign-in link): a fixed window counted in the shared cache (Redis in production).

They fail open: with the cache down or hung a visitor may still subscribe or ask for a link,
since refusing everyone during an outage would be worse than a burst of sign-ups. (The admin's
login throttle, statuspage/admin_site.py, is stricter and counts two keys at once.)"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def over_limit(key: str, *, limit: int, window: int, what: str) -> bool:
    """Count one more request under `key`, in a window of `window` seconds from its first:
    whether the count has passed `limit`. `what` names the limit in the warning logged when the
    cache cannot be reached (and nothing is limited)."""
    try:
        cache.add(key, 0, window)
        count = cache.incr(key)
    except Exception:
        logger.warning("%s: cache unreachable, not limiting", what)
        return False
    return bool(count > limit)
