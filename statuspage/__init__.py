# Beacon's Celery app is not imported here, as Celery's guide for Django suggests: a web process
# would then load Celery and kombu at start, which it needs only when it first publishes a task.
# statuspage.broker.app() makes it on first use; `celery -A statuspage` finds statuspage.celery.
