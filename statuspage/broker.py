"""Publishing Celery tasks without ever making the caller wait on the broker.

A nudge (run the fan-out for this event, send this confirmation) only makes background work
start sooner: the database is the record of what must be done, and the sweeper finds whatever
no nudge announced. So the caller, usually a web request that has just committed, hands the
task to this process's publisher thread through a bounded queue and goes on at once. The thread
publishes with the broker's socket timeouts (CELERY_BROKER_TRANSPORT_OPTIONS); when a publish
fails (Redis down, or hung and timing out), it drops what is queued for BACKOFF_SECONDS rather
than working through a backlog one timeout at a time.

A Redis that accepts connections and never answers would otherwise hold the request thread
inside kombu for minutes, after the change was committed: the operator sees a timeout for a
change that was saved, and retries it.

Beacon's Celery app is made here, by app(), when a process first needs it: a worker at once
(statuspage/celery.py), a web process only when it first publishes. Celery, kombu and what
they load are some 10 MB of a web process that, left alone, publishes nothing
(docs/performance.md, "Footprint of embedded mode").
"""

import functools
import logging
import os
import queue
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)

QUEUE_LIMIT = 1000
BACKOFF_SECONDS = 5.0

_guard = threading.Lock()
_queue: "queue.Queue[tuple[str, list[Any], dict[str, Any]]] | None" = None
_pid: int | None = None


@functools.cache
def app() -> "Celery":
    """Beacon's Celery app, configured from the CELERY_* settings (statuspage/settings.py)."""
    from celery import Celery

    celery_app = Celery("beacon")
    celery_app.config_from_object("django.conf:settings", namespace="CELERY")
    celery_app.autodiscover_tasks()
    return celery_app


def publish(
    task: str, *args: Any, eta: datetime | None = None, expires: datetime | None = None
) -> bool:
    """Queue a task for the publisher thread; False when it cannot take it (the sweeper will).
    With `eta`, the worker holds the task until then; with `expires`, drops it after that."""
    options = {name: value for name, value in (("eta", eta), ("expires", expires)) if value}
    try:
        _publisher().put_nowait((task, list(args), options))
    except queue.Full:
        logger.warning("broker publisher backlog full; %s%r left to the sweeper", task, args)
        return False
    return True


def _publisher() -> "queue.Queue[tuple[str, list[Any], dict[str, Any]]]":
    global _queue, _pid
    with _guard:
        # After a fork (granian, Celery prefork) the parent's thread does not exist here.
        if _queue is None or _pid != os.getpid():
            _queue = queue.Queue(QUEUE_LIMIT)
            _pid = os.getpid()
            threading.Thread(
                target=_run, args=(_queue,), name="broker-publisher", daemon=True
            ).start()
        return _queue


def _run(tasks: "queue.Queue[tuple[str, list[Any], dict[str, Any]]]") -> None:
    failing_until = 0.0
    while True:
        task, args, options = tasks.get()
        try:
            if time.monotonic() < failing_until:
                logger.info("broker unavailable; %s%r left to the sweeper", task, args)
                continue
            try:
                app().send_task(task, args=args, retry=False, **options)
            except Exception:
                failing_until = time.monotonic() + BACKOFF_SECONDS
                logger.warning(
                    "could not publish %s%r; left to the sweeper", task, args, exc_info=True
                )
        finally:
            tasks.task_done()
