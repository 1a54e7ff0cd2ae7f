"""What the web and the worker ask of the PostgreSQL backend (statuspage/db/base.py), without
importing it: in embedded mode (SQLite) no process loads psycopg, some 25 MB of memory each."""

import sys

from django.conf import settings

# Seconds each round trip may take from bound_queries() on (None: no bound).
seconds: float | None = None


def bound_queries() -> None:
    """Bound every PostgreSQL round trip this process makes from now on (see base.py)."""
    global seconds
    configured = settings.DB_QUERY_TIMEOUT
    seconds = float(configured) if configured > 0 else None


def commit_outcome_unknown(error: BaseException) -> bool:
    """Whether a database error (as Django wraps it) is a COMMIT that was never confirmed."""
    base = sys.modules.get("statuspage.db.base")
    if base is None:
        return False  # this process never used PostgreSQL
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, base.CommitOutcomeUnknown):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
