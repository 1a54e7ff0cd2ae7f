"""The maintenance permalink: window, status, affected components, updates."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from maintenance import services as maintenance_services
from tests.support.markup import text
from tests.support.scenes import schedule_upgrade


def test_the_window_shows_in_the_page_zone(get, page, api):
    start = timezone.now().replace(year=2027, month=1, day=10, hour=21, minute=0, second=0)
    start = start.replace(microsecond=0, tzinfo=UTC)
    maintenance = schedule_upgrade(
        page,
        start,
        hours=3,
        name="Storage migration",
        body="We are moving storage.",
        components=[api],
    )

    html = get(f"/maintenance/{maintenance.pk}")

    assert "<h1>Storage migration</h1>" in html
    assert '<time datetime="2027-01-10T21:00:00Z">Jan 10, 2027 - 22:00 CET</time>' in html
    assert '<time datetime="2027-01-11T00:00:00Z">Jan 11, 2027 - 01:00 CET</time>' in html
    assert "Scheduled" in text(html)


def test_affected_components_are_listed_by_group(get, page, api, dashboard, website):
    start = timezone.now() + timedelta(days=1)
    maintenance = schedule_upgrade(page, start, components=[website, dashboard, api])

    html = get(f"/maintenance/{maintenance.pk}")

    assert "<li>Core Services (API, Dashboard)</li>" in html
    assert "<li>Website</li>" in html


def test_updates_show_newest_first(get, page, api):
    start = timezone.now() + timedelta(minutes=30)
    maintenance = schedule_upgrade(
        page, start, hours=1, name="Patch", body="Patching soon.", components=[api]
    )
    maintenance_services.post_maintenance_update(
        maintenance=maintenance,
        status="in_progress",
        body="Patching now.",
        actor="tests",
        at=timezone.now() + timedelta(seconds=1),
    )

    page_text = text(get(f"/maintenance/{maintenance.pk}"))

    assert page_text.index("In progress Patching now.") < page_text.index(
        "Scheduled Patching soon."
    )


def test_a_cancelled_maintenance_says_so(get, page):
    start = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    maintenance = schedule_upgrade(page, start, name="Maybe later")
    maintenance_services.cancel_maintenance(maintenance=maintenance, actor="tests")

    assert "Cancelled" in text(get(f"/maintenance/{maintenance.pk}"))


def test_an_unknown_maintenance_is_a_404(client, page):
    response = client.get("/maintenance/nothinghere")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_malformed_maintenance_id_is_a_404_not_an_error(client, page):
    assert client.get("/maintenance/%00").status_code == 404
