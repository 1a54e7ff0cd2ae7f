from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def send_incident_reminders() -> None:
    """Beat runs this every minute; running it twice sends nothing twice."""
    services.send_due_reminders()
