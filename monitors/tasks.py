"""Celery tasks of the monitors: thin wrappers, each safe to run twice.

Beat runs `plan_checks` every MONITOR_PLAN_SECONDS; it publishes `run_due(region)` to the
region's queue (`monitors.<region>`, or the default queue for checks without a region), and a
worker started for that region runs it (claims are leases). Beat also rolls results up per hour
and purges them past their retention (monitors/rollups.py).
"""

import logging

from celery import shared_task
from django.conf import settings

from . import rollups, scheduling

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def plan_checks() -> None:
    scheduling.plan()


@shared_task(acks_late=True, ignore_result=True, expires=scheduling.RUN_EXPIRES_SECONDS)
def run_due(region: str = "", until: float | None = None) -> None:
    """Run the due checks of `region`, if this worker is started for it (MONITOR_REGION): with
    `until` (epoch seconds), the window planned up to then."""
    if region != settings.MONITOR_REGION:
        logger.warning(
            "a worker of region %r was handed checks of region %r; start it with -Q %s",
            settings.MONITOR_REGION,
            region,
            scheduling.queue_for(settings.MONITOR_REGION),
        )
        return
    scheduling.run_due(region=region, until=until)


@shared_task(acks_late=True, ignore_result=True)
def roll_up_monitor_results() -> None:
    """Beat runs this every few minutes: the hours in progress, late results folded in."""
    rollups.roll_up_recent()


@shared_task(acks_late=True, ignore_result=True)
def purge_monitor_results() -> None:
    """Beat runs this hourly: results and metric points past MONITOR_RESULT_RETENTION_DAYS,
    in bounded batches."""
    rollups.purge_results()
    rollups.purge_metric_points()
