from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def run_scheduled_maintenance() -> None:
    """Beat runs this every MAINTENANCE_TICK_SECONDS; running it twice changes nothing."""
    services.run_scheduled_maintenance()
