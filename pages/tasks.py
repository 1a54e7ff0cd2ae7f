"""Thin Celery wrappers around pages/services.py."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def send_viewer_link(link_id: str) -> None:
    # A link lost with the broker is asked for again by its viewer: it is good for minutes only.
    services.send_viewer_link(link_id)
