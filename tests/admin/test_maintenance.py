from datetime import UTC, datetime

import pytest
from django.urls import reverse

from components.models import ComponentStatus
from maintenance import services
from maintenance.models import Maintenance, MaintenanceStatus

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/maintenance/maintenance/add/"


def schedule_form(**overrides):
    data = {
        "page": "",
        "name": "Database upgrade",
        "scheduled_for": "2030-01-15T10:00",
        "scheduled_until": "2030-01-15T12:00",
        "auto_start": "on",
        "auto_complete": "on",
        "set_components_under_maintenance": "on",
        "remind_minutes_before": "60",
        "message": "We will upgrade the database.",
        "notify": "on",
    }
    data.update(overrides)
    return data


def change_url(maintenance):
    return reverse("admin:maintenance_maintenance_change", args=[maintenance.pk])


def scheduled(page, alice, components=(), start_hour=10):
    return services.schedule_maintenance(
        page=page,
        name="Upgrade",
        scheduled_for=datetime(2030, 1, 15, start_hour, tzinfo=UTC),
        scheduled_until=datetime(2030, 1, 15, start_hour + 2, tzinfo=UTC),
        body="Planned.",
        components=components,
        actor=alice,
    )


def test_a_winter_window_typed_in_paris_time_is_stored_an_hour_earlier_in_utc(
    client, alice, page, api
):
    client.force_login(alice)
    response = client.post(ADD_URL, schedule_form(components=[api.pk]))

    maintenance = Maintenance.objects.get()
    assert response.status_code == 302
    assert maintenance.scheduled_for == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    assert maintenance.scheduled_until == datetime(2030, 1, 15, 11, 0, tzinfo=UTC)
    assert maintenance.remind_minutes_before == 60
    assert list(maintenance.components.all()) == [api]


def test_the_schedule_form_names_the_page_time_zone(client, alice, page):
    client.force_login(alice)
    assert "Europe/Paris" in client.get(ADD_URL).content.decode()


def test_a_window_that_ends_before_it_starts_is_a_form_error(client, alice, page):
    client.force_login(alice)
    response = client.post(ADD_URL, schedule_form(scheduled_until="2030-01-15T09:00"))

    assert response.status_code == 200
    assert "The maintenance must end after it starts." in response.content.decode()
    assert "We will upgrade the database." in response.content.decode()
    assert not Maintenance.objects.exists()


def test_a_time_that_is_not_a_time_is_a_form_error(client, alice, page):
    client.force_login(alice)
    response = client.post(ADD_URL, schedule_form(scheduled_for="tomorrow-ish"))
    assert response.status_code == 200
    assert response.context["form"].errors["scheduled_for"]


def test_starting_and_completing_by_hand_moves_components(client, alice, page, api):
    maintenance = scheduled(page, alice, components=[api])
    client.force_login(alice)
    form = client.get(change_url(maintenance) + "?status=in_progress").context["update_form"]
    assert form["status"].value() == "in_progress"

    client.post(
        change_url(maintenance),
        {"action": "update", "update-status": "in_progress", "update-message": "Started."},
    )
    api.refresh_from_db()
    assert api.status == ComponentStatus.UNDER_MAINTENANCE

    client.post(
        change_url(maintenance),
        {"action": "update", "update-status": "completed", "update-message": "Done."},
    )
    maintenance.refresh_from_db()
    api.refresh_from_db()
    assert maintenance.status == MaintenanceStatus.COMPLETED
    assert api.status == ComponentStatus.OPERATIONAL


def test_an_impossible_status_move_is_a_form_error(client, alice, page):
    maintenance = scheduled(page, alice)
    client.force_login(alice)
    response = client.post(
        change_url(maintenance),
        {"action": "update", "update-status": "verifying", "update-message": "Checking."},
    )
    assert response.status_code == 200
    assert "cannot go from scheduled to verifying" in response.content.decode()
    assert "Checking." in response.content.decode()


def test_rescheduling_moves_the_window_in_page_time(client, alice, page):
    maintenance = scheduled(page, alice)
    client.force_login(alice)
    client.post(
        change_url(maintenance),
        {
            "action": "reschedule",
            "reschedule-name": "Upgrade",
            "reschedule-scheduled_for": "2030-07-15T10:00",
            "reschedule-scheduled_until": "2030-07-15T11:00",
            "reschedule-auto_start": "on",
            "reschedule-auto_complete": "on",
        },
    )
    maintenance.refresh_from_db()
    assert maintenance.scheduled_for == datetime(2030, 7, 15, 8, 0, tzinfo=UTC)
    assert maintenance.sequence == 1
    assert maintenance.set_components_under_maintenance is False


def test_cancelling(client, alice, page):
    maintenance = scheduled(page, alice)
    client.force_login(alice)
    client.post(
        change_url(maintenance),
        {"action": "cancel", "cancel-message": "Not needed after all.", "cancel-notify": "on"},
    )
    maintenance.refresh_from_db()
    assert maintenance.cancelled_at is not None
    assert maintenance.updates.filter(body="Not needed after all.").exists()


def test_the_list_shows_in_progress_then_upcoming_then_past(client, alice, page):
    past = scheduled(page, alice, start_hour=1)
    services.post_maintenance_update(
        maintenance=past, status="completed", body="Done.", actor=alice
    )
    later = scheduled(page, alice, start_hour=14)
    soon = scheduled(page, alice, start_hour=6)
    active = scheduled(page, alice, start_hour=8)
    services.post_maintenance_update(
        maintenance=active, status="in_progress", body="Going.", actor=alice
    )
    client.force_login(alice)
    response = client.get("/admin/maintenance/maintenance/")
    listed = [m.pk for m in response.context["cl"].result_list]
    assert listed == [active.pk, soon.pk, later.pk, past.pk]


def test_deleting_maintenance_in_progress_is_refused_with_a_message(client, alice, page):
    maintenance = scheduled(page, alice)
    services.post_maintenance_update(
        maintenance=maintenance, status="in_progress", body="Going.", actor=alice
    )
    client.force_login(alice)
    response = client.post(
        reverse("admin:maintenance_maintenance_delete", args=[maintenance.pk]),
        {"post": "yes"},
        follow=True,
    )
    assert "Complete the maintenance before deleting it." in response.content.decode()
    assert Maintenance.objects.filter(pk=maintenance.pk).exists()


def test_the_list_offers_to_schedule_maintenance(client, alice, page):
    client.force_login(alice)
    assert "Schedule maintenance" in client.get("/admin/maintenance/maintenance/").content.decode()
