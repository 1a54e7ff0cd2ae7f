"""A visitor sees a component's response-time chart, and its table for screen readers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from components import services as component_services
from monitors.models import Metric, MetricPoint, Verdict
from pages.models import Page
from tests.support.results import add_results, make_monitor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(live_server):
    page = Page.objects.create(
        name="Example Status", url=live_server.url, is_default=True, time_zone="Europe/Paris"
    )
    api = component_services.create_component(page=page, name="API", actor="tests")
    monitor = make_monitor(page, api)
    now = timezone.now()
    for n in range(12):
        add_results(
            monitor,
            now - timedelta(hours=12 - n),
            60,
            latency=100.0 + 15 * (n % 5),
            verdict=Verdict.UP,
        )
    metric = Metric.objects.create(page=page, name="Error rate", suffix="%", decimal_places=1)
    MetricPoint.objects.bulk_create(
        [
            MetricPoint(metric=metric, timestamp=now - timedelta(minutes=5 * n), value=0.2 + n % 3)
            for n in range(100)
        ]
    )
    return api


@pytest.fixture
def visitor(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_the_chart_is_drawn_and_its_table_is_there_for_screen_readers(live_server, scene, visitor):
    refused: list[str] = []
    visitor.on(
        "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
    )

    visitor.goto(live_server.url + "/")
    visitor.get_by_role("link", name="API").click()
    expect(visitor).to_have_url(f"{live_server.url}/components/{scene.pk}")

    chart = visitor.get_by_role("img", name="API health response time, the last 24 hours")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 100
    line = visitor.locator("svg .chart-line").first
    expect(line).to_be_visible()
    # The line is drawn in the brand colour by the stylesheet, not filled black by default.
    assert line.evaluate("e => getComputedStyle(e).fill") == "none"

    # Closed, the table is out of the way (and of the accessibility tree) until asked for.
    name = "API health response time over the last 24 hours"
    expect(visitor.get_by_role("table", name=name, include_hidden=True)).to_be_hidden()
    table = visitor.get_by_role("table", name=name)
    visitor.get_by_text("API health response time as a table").click()
    expect(table).to_be_visible()
    # The header, and a row for each local hour of the twelve hours of checks.
    rows = table.get_by_role("row")
    expect(rows.first).to_contain_text("Average")
    assert 1 + 12 <= rows.count() <= 1 + 13
    expect(rows.nth(1)).to_contain_text(" ms")
    assert refused == []


def test_the_home_page_charts_the_metrics_shown(live_server, scene, visitor):
    visitor.goto(live_server.url + "/")

    section = visitor.get_by_role("region", name="System metrics")
    expect(section.get_by_role("img", name="Error rate, the last 24 hours")).to_be_visible()
    expect(visitor.get_by_text("uptime, measured by checks")).to_be_visible()
