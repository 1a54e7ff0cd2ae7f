"""The Celery app shared by the worker and beat: `celery -A statuspage worker|beat`.

`celery -A statuspage worker --beat-thread` runs beat on a thread of the worker, as `manage.py
start` does in embedded mode: one process fewer on a small machine. (Celery's own `--beat` forks
a process for it, which the supervisor would not see die.) Run beat once, never beside another.

The app itself is made by statuspage.broker.app(), which a web process calls only when it first
publishes a task; this module adds what only a worker or beat needs. Its configuration is the
CELERY_* settings in statuspage/settings.py: Redis when REDIS_URL is set, else kombu's file
transport under BEACON_VAR_DIR (embedded mode). A worker bounds every
PostgreSQL round trip its tasks make (statuspage/db/base.py), so a hung database fails a task,
which the sweeper runs again, instead of holding the worker.
"""

import logging
import os
import signal
import threading
import time
from typing import Any

from celery import Celery, bootsteps
from celery.beat import Service
from celery.signals import task_postrun, worker_init
from click import Option

from statuspage import broker, memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

logger = logging.getLogger(__name__)
# As often as Celery beat writes its schedule file by default (beat_sync_every is per task sent).
SYNC_SECONDS = 180

# The one app of the process, made by the broker module, which publishes with it.
app = broker.app()


class BeatThread(threading.Thread):
    """Celery beat's scheduler on a thread. Celery's own threaded beat wakes every second, each
    time reading its whole schedule back from the shelve file; this one sleeps until the next
    entry is due and stops at once when asked."""

    def __init__(self, celery_app: Celery) -> None:
        super().__init__(name="Beat", daemon=True)
        self.celery_app = celery_app
        self.service = Service(celery_app, schedule_filename=celery_app.conf.beat_schedule_filename)
        self.stopping = threading.Event()

    def run(self) -> None:
        self.celery_app.set_current()
        logger.info("beat: starting on a thread of this worker")
        try:
            scheduler = self.service.scheduler
            synced = time.monotonic()
            while not self.stopping.is_set():
                self.stopping.wait(scheduler.tick())
                if time.monotonic() - synced > SYNC_SECONDS:
                    scheduler.sync()  # the schedule file, so a restart knows what last ran
                    synced = time.monotonic()
        except Exception:
            # A worker without its scheduler would look healthy and never start maintenance:
            # stop it, so that `manage.py start` stops the set and says so.
            logger.exception("beat failed; stopping the worker")
            os.kill(os.getpid(), signal.SIGTERM)
        finally:
            self.service.sync()

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(10)


class BeatStep(bootsteps.StartStopStep):
    """Runs BeatThread in this worker when the worker is given `--beat-thread`."""

    label = "Beat thread"
    conditional = True

    def __init__(self, worker: Any, beat_thread: bool = False, **options: Any) -> None:
        self.enabled = beat_thread
        super().__init__(worker, **options)

    def create(self, worker: Any) -> Any:
        return BeatThread(worker.app)


app.user_options["worker"].add(
    Option(
        ["--beat-thread"], is_flag=True, default=False, help="Run beat on a thread of this worker."
    )
)
app.steps["worker"].add(BeatStep)


@worker_init.connect
def _bound_database_queries(**kwargs: Any) -> None:
    from statuspage.db.bounds import bound_queries

    bound_queries()


@task_postrun.connect
def _release_freed_memory(**kwargs: Any) -> None:
    # What a task freed stays resident in the C library's heaps unless given back: several MB of
    # an idle worker after its tasks (statuspage/memory.py).
    memory.release_soon()
