"""`/maintenance.ics`: the page's maintenance windows as a calendar people can subscribe to.

Times are written in UTC, which every calendar client converts to its own zone. Each window
keeps one UID for life and carries the maintenance's SEQUENCE, which rescheduling raises, so
subscribed calendars move the event instead of adding a second one; a cancelled window stays
in the feed as STATUS:CANCELLED so clients remove it. DTSTAMP is the maintenance's last
change, so an unchanged calendar renders to the same bytes.
"""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.db.models import Q

from maintenance.models import OPEN, Maintenance
from pages.models import Page

from .common import page_url

if TYPE_CHECKING:
    import icalendar

CALENDAR_TYPE = "text/calendar; charset=utf-8"
# Finished windows stay this long, so a subscribed calendar keeps recent history.
RECENT_DAYS = 30
MAX_EVENTS = 500
REFRESH = timedelta(hours=1)


def calendar_maintenances(page: Page, now: datetime) -> list[Maintenance]:
    """Windows not over yet, and those that ended in the last RECENT_DAYS days (two queries)."""
    since = now - timedelta(days=RECENT_DAYS)
    return list(
        Maintenance.objects.filter(page=page)
        .filter(Q(scheduled_until__gte=since) | Q(status__in=OPEN, cancelled_at__isnull=True))
        .prefetch_related("updates")
        .order_by("scheduled_for", "pk")[:MAX_EVENTS]
    )


def _latest_text(maintenance: Maintenance) -> str:
    updates = sorted(
        maintenance.updates.all(), key=lambda u: (u.display_at, u.created_at, u.pk), reverse=True
    )
    return updates[0].body if updates else ""


def maintenance_event(maintenance: Maintenance, page: Page, host: str) -> "icalendar.Event":
    import icalendar

    m = maintenance
    event = icalendar.Event()
    event.add("uid", f"{m.pk}@{host}")
    event.add("dtstamp", m.updated_at.astimezone(UTC))
    event.add("created", m.created_at.astimezone(UTC))
    event.add("last-modified", m.updated_at.astimezone(UTC))
    event.add("sequence", m.sequence)
    event.add("dtstart", m.scheduled_for.astimezone(UTC))
    event.add("dtend", m.scheduled_until.astimezone(UTC))
    event.add("summary", m.name)
    event.add("description", _latest_text(m))
    event.add("url", f"{page_url(page)}/maintenance/{m.pk}")
    event.add("status", "CANCELLED" if m.cancelled_at else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def render_calendar(page: Page, now: datetime) -> bytes:
    # Imported when a calendar is rendered: web processes serve the stored one (some 10 MB).
    import icalendar

    host = urlsplit(page.url).hostname or "localhost"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Beacon//Scheduled maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{page.name}: scheduled maintenance")
    calendar.add("x-wr-caldesc", f"Scheduled maintenance announced on {page_url(page)}")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for maintenance in calendar_maintenances(page, now):
        calendar.add_component(maintenance_event(maintenance, page, host))
    return calendar.to_ical()
