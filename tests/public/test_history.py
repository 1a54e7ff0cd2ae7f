"""Incident history: by month, newest first, three months a page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from maintenance import services as maintenance_services
from tests.support.scenes import past_incident, schedule_upgrade


def months_ago(months: int) -> datetime:
    now = timezone.now()
    index = now.year * 12 + now.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def spread(page):
    past_incident(page, "Recent outage", timezone.now() - timedelta(minutes=5))
    past_incident(page, "Older outage", months_ago(4))
    past_incident(page, "Oldest outage", months_ago(7))


def test_history_lists_months_newest_first(get, spread):
    html = get("/history")
    this_month = timezone.now().strftime("%B %Y")

    assert '<h1 class="page-title">Incident history</h1>' in html
    assert html.index(this_month) < html.index(months_ago(1).strftime("%B %Y"))
    assert "Recent outage" in html
    assert "Older outage" not in html
    assert "No incidents reported for this month." in html
    assert "Page 1 of 3" in html
    assert 'href="?page=2"' in html


def test_older_months_are_on_later_pages(get, spread):
    second = get("/history?page=2")
    third = get("/history?page=3")

    assert "Older outage" in second
    assert months_ago(4).strftime("%B %Y") in second
    assert "Recent outage" not in second
    assert "Oldest outage" in third
    assert 'href="?page=2"' in third
    assert "Older →" not in third


def test_past_maintenance_appears_in_its_month(get, page):
    start = timezone.now() - timedelta(days=1)
    maintenance = schedule_upgrade(
        page, start, hours=1, name="Router swap", body="Planned.", auto_start=False
    )
    maintenance_services.post_maintenance_update(
        maintenance=maintenance, status="completed", body="Done.", actor="tests"
    )
    assert "Router swap" in get("/history")


def test_a_page_with_no_history_has_one_quiet_page(get, page):
    html = get("/history")
    assert "No incidents reported for this month." in html
    assert "Page 1 of 1" in html


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1.5", "99", "²"])
def test_a_bad_or_missing_page_number_is_a_clear_404(client, spread, bad):
    response = client.get("/history", {"page": bad})

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert "page" in html.lower()


def test_an_incident_lists_its_name_escaped_its_latest_update_and_a_link_to_its_page(get, page):
    incident = past_incident(
        page,
        "<script>alert(1)</script> & more",
        timezone.now() - timedelta(hours=2),
        body="**Fixed** <b>now</b>.",
    )

    html = get("/history")

    assert f'<h3><a href="/incidents/{incident.pk}">' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</a></h3>" in html
    assert "<script>alert(1)" not in html
    assert '<div class="update-body"><p><strong>Fixed</strong> &lt;b&gt;now&lt;/b&gt;.</p>' in html
    assert " impact</span> · <time datetime=" in html
