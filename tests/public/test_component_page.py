"""A component's public page, the home page's system metrics, and bars measured by checks."""

import time
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from components import services as component_services
from components.models import Component
from events.models import OutboxEvent
from monitors import rollups
from monitors.models import Metric, MetricPoint, Verdict
from snapshots import publisher, store
from tests.support.markup import section, text
from tests.support.results import add_results, make_monitor
from tests.support.scenes import open_api_incident

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def monitor(page, api):
    return make_monitor(page, api)


def figures(html: str) -> list[ET.Element]:
    """Each chart's <figure>, parsed."""
    found = []
    start = html.find('<figure class="chart"')
    while start != -1:
        end = html.index("</figure>", start) + len("</figure>")
        found.append(ET.fromstring(html[start:end]))
        start = html.find('<figure class="chart"', end)
    return found


def test_a_component_page_shows_its_status_chart_and_incidents(get, page, api, monitor):
    add_results(monitor, timezone.now() - timedelta(hours=2), 100, latency=120.0)
    incident = open_api_incident(page, api, api_status="partial_outage", name="Slow API")

    html = get(f"/components/{api.pk}")

    assert '<h1 class="page-title">API</h1>' in html
    assert "Partial outage" in text(html.split("uptime-heading")[0])
    (chart,) = figures(html)
    svg = chart.find(f"{SVG}svg")
    assert svg is not None and svg.get("role") == "img"
    assert svg.findtext(f"{SVG}title") == "API health response time, the last 24 hours"
    assert "average 120 ms" in (svg.findtext(f"{SVG}desc") or "")
    assert chart.find("details/table") is not None
    incidents = section(html, "recent-incidents")
    assert f'href="/incidents/{incident.pk}"' in incidents
    assert "Slow API" in incidents


def test_the_period_links_pick_a_week_or_a_month_from_the_roll_ups(get, api, monitor):
    now = timezone.now()
    add_results(monitor, now - timedelta(days=3), 60, latency=250.0)
    rollups.roll_up(start=now - timedelta(days=4), end=now, now=now)

    week = get(f"/components/{api.pk}?period=week")

    (chart,) = figures(week)
    assert "the last 7 days" in (chart.findtext("figcaption/span") or "")
    assert "average 250 ms" in (chart.find(f"{SVG}svg").findtext(f"{SVG}desc") or "")  # type: ignore[union-attr]
    assert f'href="/components/{api.pk}?period=month"' in week
    assert 'aria-current="page">Week</a>' in week
    get(f"/components/{api.pk}?period=year", status=404)


def test_a_component_without_a_monitor_has_a_page_with_bars_from_its_history(get, website):
    html = get(f"/components/{website.pk}")

    assert figures(html) == []
    assert "These bars come from the status history." in html
    assert "No incidents have affected Website." in html


def test_an_unknown_hidden_or_foreign_component_is_not_found(get, page, other_page, api):
    get("/components/nosuchthing", status=404)
    get("/components/NOT-AN-ID", status=404)
    foreign = Component.objects.create(page=other_page, name="Elsewhere")
    get(f"/components/{foreign.pk}", status=404)
    hidden = Component.objects.create(page=page, name="Quiet", only_show_if_degraded=True)
    get(f"/components/{hidden.pk}", status=404)


def test_a_monitored_component_links_to_its_page_and_says_its_bars_are_measured(
    get, page, api, website, monitor
):
    now = timezone.now()
    add_results(monitor, now - timedelta(hours=2), 30, verdict=Verdict.DOWN, latency=None)
    add_results(monitor, now - timedelta(hours=1), 30)

    home = get("/")
    components = section(home, "components-heading")

    assert f'<a class="component-link" href="/components/{api.pk}">API</a>' in components
    assert 'aria-label="Uptime of API, measured by checks, one bar per day' in components
    assert "uptime, measured by checks" in components
    # The unmonitored component is drawn as before, from its history.
    assert f'href="/components/{website.pk}"' not in components
    assert 'aria-label="Uptime of Website, one bar per day' in components
    assert "Bars marked “measured by checks” come from the checks" in components
    # Half of today's checks so far found it down.
    assert "major outage" in components.split("Uptime of API")[1].split("</ol>")[0]


def test_metrics_marked_for_display_are_charted_below_the_components(get, page, api, monitor):
    now = timezone.now()
    shown = Metric.objects.create(page=page, name="Error rate", suffix="%", decimal_places=1)
    Metric.objects.create(page=page, name="Internal", display=False)
    fed = Metric.objects.create(page=page, name="API latency", monitor=monitor, position=2)
    MetricPoint.objects.bulk_create(
        [
            MetricPoint(metric=shown, timestamp=now - timedelta(minutes=10 * n), value=0.5)
            for n in range(6)
        ]
    )
    add_results(monitor, now - timedelta(minutes=30), 30, latency=80.0)

    home = get("/")
    metrics = section(home, "metrics-heading")

    assert "System metrics" in metrics
    titles = [f.findtext("figcaption") or "" for f in figures(metrics)]
    assert [t.split(" ")[0] for t in titles] == ["Error", "API"]
    assert "Internal" not in metrics
    descs = [f.find(f"{SVG}svg").findtext(f"{SVG}desc") for f in figures(metrics)]  # type: ignore[union-attr]
    assert "average 0.5%" in (descs[0] or "")
    assert "average 80 ms" in (descs[1] or "")
    assert fed.pk in metrics
    # The fragment htmx polls carries them too.
    assert "metrics-heading" in get("/fragments/home")


def test_a_page_without_metrics_has_no_metrics_section(get, page, api):
    assert "metrics-heading" not in get("/")


def test_a_change_of_the_component_renders_its_page_again(get, page, api):
    assert "Operational" in get(f"/components/{api.pk}")

    component_services.set_component_status(component=api, status="major_outage", actor="tests")

    assert "Major outage" in text(get(f"/components/{api.pk}").split("uptime-heading")[0])


def count_queries(client, url):
    store.clear()  # bulk_create writes no outbox event: forget the stored documents
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def grow_monitoring(page, components, count):
    """`count` monitors and displayed metrics, a day of results each, incidents on the first."""
    now = timezone.now()
    for n in range(count):
        component = components[n % len(components)]
        monitor = make_monitor(page, component, name=f"Check {n}")
        add_results(monitor, now - timedelta(hours=3), 30, every=timedelta(minutes=5))
        metric = Metric.objects.create(page=page, name=f"Metric {n}")
        MetricPoint.objects.create(metric=metric, timestamp=now - timedelta(minutes=n), value=n)
        Metric.objects.create(page=page, name=f"Fed {n}", monitor=monitor, component=component)
        open_api_incident(page, components[0], name=f"Incident {n}")
    rollups.roll_up(start=now - timedelta(days=1), end=now, now=now)


def test_query_counts_stay_the_same_with_one_or_many_monitors_and_metrics(
    client, page, api, website, dashboard
):
    # The dashboard is never watched: its bars come from the history all along.
    grow_monitoring(page, [api, website], 1)
    small = {url: count_queries(client, url) for url in ("/", f"/components/{api.pk}")}
    week = count_queries(client, f"/components/{api.pk}?period=week")

    grow_monitoring(page, [api, website], 12)

    assert {url: count_queries(client, url) for url in small} == small
    assert count_queries(client, f"/components/{api.pk}?period=week") == week


def test_new_results_reach_the_charts_as_the_documents_age_without_an_outbox_row(
    get, page, api, monitor, settings
):
    settings.SNAPSHOT_REFRESH_SECONDS = 3600
    url = f"/components/{api.pk}"
    get(url)
    get("/")
    events = OutboxEvent.objects.count()

    add_results(monitor, timezone.now() - timedelta(minutes=30), 30, latency=321.0)

    assert OutboxEvent.objects.count() == events  # checks write no outbox row
    assert "average 321 ms" not in get(url)  # the stored page is not an hour old yet
    # An hour later (as the stored copy's age says), the next read renders it again.
    publisher.render(page, url, now=timezone.now() - timedelta(hours=2))
    assert "average 321 ms" in get(url)
    # The home page's chart comes with the periodic refresh of the documents that age.
    Metric.objects.bulk_create([Metric(page=page, name="API latency", monitor=monitor)])
    state = store.read_state()
    store.write_state(
        store.State(
            seen=state.seen,
            gaps=state.gaps or {},
            versions=state.versions or {},
            refreshed={**(state.refreshed or {}), page.pk: time.time() - 7200},
            full=state.full or {},
        )
    )
    publisher.publish()
    assert "average 321 ms" in store.read(page.pk, "/").body.decode()  # type: ignore[union-attr]
