"""The Celery app shared by the worker and beat: `celery -A statuspage worker|beat`.

Its configuration is the CELERY_* settings in statuspage/settings.py: Redis when REDIS_URL is
set, else kombu's file transport under BEACON_VAR_DIR (embedded mode). A worker bounds every
PostgreSQL round trip its tasks make (statuspage/db/base.py), so a hung database fails a task,
which the sweeper runs again, instead of holding the worker.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

app = Celery("beacon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _bound_database_queries(**kwargs: Any) -> None:
    from statuspage.db.base import bound_queries

    bound_queries()
