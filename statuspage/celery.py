"""The Celery app shared by the worker and beat: `celery -A statuspage worker|beat`.

`celery -A statuspage worker --beat-thread` runs beat on a thread of the worker, as `manage.py
start` does in embedded mode: one process fewer on a small machine. (Celery's own `--beat` forks
a process for it, which the supervisor would not see die.) Run beat once, never beside another.

Its configuration is the CELERY_* settings in statuspage/settings.py: Redis when REDIS_URL is
set, else kombu's file transport under BEACON_VAR_DIR (embedded mode). A worker bounds every
PostgreSQL round trip its tasks make (statuspage/db/base.py), so a hung database fails a task,
which the sweeper runs again, instead of holding the worker.
"""

import os
from typing import Any

from celery import Celery, bootsteps
from celery.signals import worker_init
from click import Option

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

app = Celery("beacon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class BeatThread(bootsteps.StartStopStep):
    """Beat's scheduler on a thread of this worker (`--beat-thread`)."""

    label = "Beat thread"
    conditional = True

    def __init__(self, worker: Any, beat_thread: bool = False, **options: Any) -> None:
        self.enabled = beat_thread
        super().__init__(worker, **options)

    def create(self, worker: Any) -> Any:
        from celery.beat import EmbeddedService

        return EmbeddedService(
            worker.app, schedule_filename=app.conf.beat_schedule_filename, thread=True
        )


app.user_options["worker"].add(
    Option(
        ["--beat-thread"], is_flag=True, default=False, help="Run beat on a thread of this worker."
    )
)
app.steps["worker"].add(BeatThread)


@worker_init.connect
def _bound_database_queries(**kwargs: Any) -> None:
    from statuspage.db.base import bound_queries

    bound_queries()
