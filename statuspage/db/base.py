"""PostgreSQL with a bound on every round trip, for the processes that serve (web and worker).

libpq has no client-side timeout once a connection is established: `connect_timeout` covers
only the handshake, and the server-side `statement_timeout` is enforced by the server, so a
PostgreSQL that accepts TCP but never answers (frozen, overloaded, cut off by a partition: the
kernel still acknowledges every packet) leaves a query waiting forever, and with it the web
thread or worker that sent it.

This backend is Django's own PostgreSQL backend whose psycopg connections bound each wait on
the server: a query, a COMMIT or a ROLLBACK that gets no answer within
`DB_QUERY_TIMEOUT` + 1 seconds closes the connection and raises `OperationalError`, which the
web turns into a 503 (statuspage/middleware.py). The server's own `statement_timeout` is set
to `DB_QUERY_TIMEOUT`, so a query that is merely slow is cancelled cleanly by the server first
and the connection stays usable.

A COMMIT that times out is the one case whose outcome cannot be known: the server may still
apply it when it wakes up. It raises `CommitOutcomeUnknown`, so the answer says exactly that
instead of claiming nothing was saved.

The bound is on only where `bounds.bound_queries()` was called: the WSGI module and the Celery app.
Management commands (migrate, load_demo) run unbounded, since a migration may rightly take
minutes.
"""

import types
from typing import Any

import psycopg
from django.db.backends.postgresql import base as postgresql
from psycopg import errors

from . import bounds

# Seconds a client waits beyond the server's statement_timeout before it gives up on the server.
MARGIN_SECONDS = 1.0


class DatabaseTimeout(errors.OperationalError):
    """PostgreSQL did not answer in time; the connection was closed, nothing was committed."""


class CommitOutcomeUnknown(DatabaseTimeout):
    """PostgreSQL did not answer a COMMIT in time: the change may or may not have been saved."""


class BoundedConnection(psycopg.Connection[Any]):
    # Seconds each wait on the server may take (None: no bound).
    beacon_wait: float | None = None
    _beacon_committing = False

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is None:
            timeout = self.beacon_wait
        try:
            return super().wait(gen, interval, timeout)
        except errors._WaitTimeout:
            # The connection is in an unknown state: a late answer must not be read as the next
            # query's, so it is closed, and the server rolls back what it had not committed.
            self.pgconn.finish()
            if self._beacon_committing:
                raise CommitOutcomeUnknown(
                    f"PostgreSQL did not confirm the commit within {timeout:g} s"
                ) from None
            raise DatabaseTimeout(f"PostgreSQL did not answer within {timeout:g} s") from None

    def commit(self) -> None:
        self._beacon_committing = True
        try:
            super().commit()
        finally:
            self._beacon_committing = False


class _Psycopg(types.ModuleType):
    """psycopg as Django's backend sees it, except that it connects with BoundedConnection."""

    def __getattr__(self, name: str) -> Any:
        return getattr(psycopg, name)

    @staticmethod
    def connect(*args: Any, **kwargs: Any) -> BoundedConnection:
        connection = BoundedConnection.connect(*args, **kwargs)
        if bounds.seconds is not None:
            connection.beacon_wait = bounds.seconds + MARGIN_SECONDS
        return connection


class DatabaseWrapper(postgresql.DatabaseWrapper):
    Database = _Psycopg("psycopg")

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if bounds.seconds is not None:
            timeout = f"-c statement_timeout={int(bounds.seconds * 1000)}"
            params["options"] = (
                f"{params['options']} {timeout}" if params.get("options") else timeout
            )
        return params
