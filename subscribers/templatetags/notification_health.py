"""The admin banner: which part of the notification pipeline has not been seen working."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from subscribers.models import Delivery, Heartbeat

register = template.Library()


@register.simple_tag
def notification_problems() -> list[str]:
    now = timezone.now()
    scheduler_late = timedelta(seconds=max(3 * settings.NOTIFY_SWEEP_SECONDS, 120))
    try:
        seen = dict(Heartbeat.objects.values_list("name", "seen_at"))
        unsent = Delivery.objects.filter(
            status="pending", next_attempt_at__lt=now - timedelta(minutes=5)
        ).exists()
    except DatabaseError:
        return []
    problems = []
    if not seen.get("scheduler") or seen["scheduler"] < now - scheduler_late:
        problems.append(
            "The scheduler (celery beat) has not run the notification sweeper recently."
        )
    if not seen.get("worker") or seen["worker"] < now - scheduler_late:
        problems.append("No background worker has run a notification task recently.")
    if unsent and (not seen.get("mail") or seen["mail"] < now - timedelta(minutes=10)):
        problems.append(
            "Notifications are waiting and the mail server has not accepted a message "
            "in the last 10 minutes."
        )
    return problems
