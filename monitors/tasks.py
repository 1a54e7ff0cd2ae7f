"""Celery tasks for monitors: thin wrappers around monitors/scheduling.py.

Beat runs `plan_checks` every MONITOR_PLAN_SECONDS; it publishes `run_due(region)` to the
region's queue (`monitors.<region>`, or the default queue for checks without a region), and a
worker started for that region runs it. Both are safe to run twice: claims are leases.
"""

import logging

from celery import shared_task
from django.conf import settings

from . import scheduling

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def plan_checks() -> None:
    scheduling.plan()


@shared_task(acks_late=True, ignore_result=True, expires=scheduling.RUN_EXPIRES_SECONDS)
def run_due(region: str = "") -> None:
    """Run the due checks of `region`, if this worker is started for it (MONITOR_REGION)."""
    if region != settings.MONITOR_REGION:
        logger.warning(
            "a worker of region %r was handed checks of region %r; start it with -Q %s",
            settings.MONITOR_REGION,
            region,
            scheduling.queue_for(settings.MONITOR_REGION),
        )
        return
    scheduling.run_due(region=region)
