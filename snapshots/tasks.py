"""Celery beat's share of keeping snapshots current (see snapshots/publisher.py)."""

from celery import shared_task

from . import publisher


@shared_task(ignore_result=True)
def publish_snapshots() -> None:
    """Catch up with the outbox and refresh time-relative documents, on the worker's host."""
    publisher.publish(blocking=False)
