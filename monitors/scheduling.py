"""When checks are due.

`request_check` is what the admin's "Check now" button calls: every region's schedule of the
monitor becomes due at once, and the next planning round hands it to a worker.
"""

from django.db import transaction
from django.utils import timezone

from events.services import Actor

from .models import Monitor, MonitorSchedule


@transaction.atomic
def request_check(*, monitor: Monitor, actor: Actor) -> int:
    """Make the monitor due now in each of its regions; the number of schedules made due."""
    return MonitorSchedule.objects.filter(monitor=monitor).update(next_due_at=timezone.now())
