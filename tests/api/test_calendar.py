"""The maintenance calendar, read with the icalendar library as calendar clients read it."""

from datetime import UTC, timedelta
from typing import Any

import icalendar
from django.utils import timezone

from maintenance import services as maintenance_services
from maintenance.models import Maintenance
from tests.support.scenes import schedule_upgrade


def events(client) -> dict[str, Any]:
    response = client.get("/maintenance.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_calendar_holds_upcoming_active_recent_and_cancelled_windows(world, client):
    found = events(client)

    assert set(found) == {
        "Database upgrade",
        "Search reindex",
        "Network switch replacement",
        "Storage migration",
    }
    upgrade = found["Database upgrade"]
    assert str(upgrade["UID"]) == f"{world.upcoming.pk}@status.example.com"
    assert upgrade.decoded("DTSTART") == world.upcoming.scheduled_for.replace(microsecond=0)
    assert upgrade.decoded("DTEND") == world.upcoming.scheduled_until.replace(microsecond=0)
    assert upgrade.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(upgrade["DESCRIPTION"]) == "We will upgrade the primary database."
    assert str(upgrade["URL"]) == f"https://status.example.com/maintenance/{world.upcoming.pk}"
    assert str(upgrade["STATUS"]) == "CONFIRMED"
    assert upgrade["DTSTAMP"]
    assert str(found["Storage migration"]["STATUS"]) == "CANCELLED"
    assert str(found["Network switch replacement"]["DESCRIPTION"]) == "All done."


def test_a_rescheduled_window_keeps_its_uid_and_raises_its_sequence(world, alice, client):
    before = events(client)["Database upgrade"]
    later = world.upcoming.scheduled_for + timedelta(days=1)

    maintenance_services.change_maintenance(
        maintenance=world.upcoming,
        scheduled_for=later,
        scheduled_until=later + timedelta(hours=3),
        actor=alice,
    )
    after = events(client)["Database upgrade"]

    assert str(after["UID"]) == str(before["UID"])
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.decoded("DTSTART") == later.replace(microsecond=0)
    assert after.decoded("DTSTAMP") >= before.decoded("DTSTAMP")


def test_cancelling_marks_the_event_cancelled_with_a_higher_sequence(world, alice, client):
    before = events(client)["Database upgrade"]

    maintenance_services.cancel_maintenance(maintenance=world.upcoming, actor=alice)
    after = events(client)["Database upgrade"]

    assert str(after["UID"]) == str(before["UID"])
    assert str(after["STATUS"]) == "CANCELLED"
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")


def test_windows_over_for_more_than_30_days_leave_the_calendar(page, alice, client):
    now = timezone.now()
    recently, long_ago = now - timedelta(days=10), now - timedelta(days=40)
    schedule_upgrade(page, recently, hours=1, name="Recent", body="Done recently.", actor=alice)
    old = schedule_upgrade(page, long_ago, hours=1, name="Old", body="Done long ago.", actor=alice)
    Maintenance.objects.filter(pk=old.pk).update(status="completed")

    assert set(events(client)) == {"Recent"}


def test_an_empty_calendar_is_still_a_valid_calendar(page, client):
    assert events(client) == {}


def test_times_are_written_in_utc(world, client):
    body = client.get("/maintenance.ics").content.decode()

    start = world.upcoming.scheduled_for.astimezone(UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in body
    assert "\r\n" in body
