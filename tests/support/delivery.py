"""Driving the notification pipeline to the end inside a test, without a worker."""

from django.utils import timezone

from events.models import OutboxEvent
from subscribers import services, tasks
from subscribers.models import Delivery, DeliveryStatus


def deliver_all(rounds: int = 10) -> None:
    """Fan out every event and send until nothing is left, skipping the retry waits."""
    for event_id in OutboxEvent.objects.not_fanned_out().values_list("pk", flat=True):
        services.fan_out(event_id=event_id)
    for _ in range(rounds):
        tasks.send_due()
        waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING)
        if not waiting.exists():
            return
        waiting.update(next_attempt_at=timezone.now())
