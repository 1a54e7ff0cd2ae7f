"""The Celery app shared by the worker and beat: `celery -A statuspage worker|beat`.

Its configuration is the CELERY_* settings in statuspage/settings.py: Redis when REDIS_URL is
set, else kombu's file transport under BEACON_VAR_DIR (embedded mode).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

app = Celery("beacon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
