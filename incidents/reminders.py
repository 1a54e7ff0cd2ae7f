"""Reminders to the operators (not subscribers) that an incident is still open.

The scheduler claims the due reminders (`services.send_due_reminders`) and, after commit, this
module emails every operator of the incident's page: active staff on its team (responders and
page admins), and active superusers, who have an email address. The message links to the admin
page where an update is posted.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, mailers
from django.db.models import Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from pages.models import Page
from statuspage.mail import header_value
from statuspage.timefmt import mail_duration, mail_time

from .models import Incident

logger = logging.getLogger(__name__)


def operators(page: Page) -> QuerySet[User]:
    """Who is reminded: the people who can post an update on `page`, with an address."""
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(is_staff=True, memberships__page=page))
        .distinct()
        .order_by("email")
    )


def reminder_email(incident: Incident, *, now: datetime) -> tuple[str, str]:
    """Subject and text of the reminder for this incident as it stands at `now`."""
    page = incident.page
    status = incident.get_status_display().lower()
    last_update = incident.updates.aggregate(latest=Max("display_at"))["latest"]
    hours = incident.reminder_hours
    context = {
        "incident": incident,
        "page": page,
        "status": status,
        "started": mail_time(incident.started_at, page.tz),
        "open_for": mail_duration(now - incident.started_at),
        "last_update": mail_time(last_update, page.tz) if last_update else None,
        "since_update": mail_duration(now - last_update) if last_update else None,
        "admin_url": settings.SITE_URL
        + reverse("admin:incidents_incident_change", args=[incident.pk])
        + "#post-update",
        "public_url": page.url.rstrip("/") + incident.get_absolute_url(),
        "hours": ", ".join(str(h) for h in hours),
    }
    subject = header_value(f"[{page.name}] Reminder: “{incident.name}” is still {status}")
    return subject, render_to_string("incidents/emails/reminder.txt", context)


def send_reminder(incident_id: str, *, now: datetime) -> int:
    """Email the reminder to every operator; returns how many messages were sent."""
    incident = Incident.objects.select_related("page").filter(pk=incident_id).first()
    if incident is None or incident.is_resolved:
        return 0  # deleted or resolved since the reminder was claimed
    recipients = list(operators(incident.page).values_list("email", flat=True))
    if not recipients:
        logger.warning("no operator has an email address to remind of incident %s", incident.pk)
        return 0
    subject, text = reminder_email(incident, now=now)
    # One message per operator, so nobody's address is shown to the others.
    messages = [
        EmailMessage(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"Auto-Submitted": "auto-generated"},
        )
        for address in recipients
    ]
    try:
        return mailers.default.send_messages(messages) or 0
    except Exception:
        # The reminder is recorded as sent: a missed reminder is better than a flood of them.
        logger.warning("could not email the reminder for incident %s", incident.pk, exc_info=True)
        return 0
