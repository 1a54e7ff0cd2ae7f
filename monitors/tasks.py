"""Celery tasks of the monitors: thin wrappers, each safe to run twice."""

from celery import shared_task

from . import rollups


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
