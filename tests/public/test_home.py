"""The home page: banner, incidents, maintenance, components, uptime and the past two weeks."""

from datetime import timedelta

from django.utils import timezone

from components import services as component_services
from incidents import services as incident_services
from maintenance import services as maintenance_services
from tests.support.markup import section, text
from tests.support.scenes import open_api_incident, past_incident, schedule_upgrade


def test_a_quiet_page_says_all_systems_operational(get, api, dashboard, website):
    html = get("/")
    assert '<h1 id="overall-status">All Systems Operational</h1>' in html
    assert "banner-none" in html


def test_the_banner_follows_the_components(get, api, dashboard, website):
    component_services.set_component_status(component=api, status="major_outage", actor="tests")
    html = get("/")
    assert '<h1 id="overall-status">Partial System Outage</h1>' in html
    assert "banner-major" in html


def test_an_unresolved_incident_raises_the_banner_to_its_impact(get, page, api):
    incident_services.open_incident(
        page=page, name="Slow logins", body="Looking.", actor="tests", impact_override="minor"
    )
    assert '<h1 id="overall-status">Minor Service Outage</h1>' in get("/")


def test_an_active_incident_shows_with_its_latest_update(get, page, api):
    incident = open_api_incident(page, api, name="API errors", body="We are looking into errors.")
    incident_services.post_incident_update(
        incident=incident, status="identified", body="A bad deploy; rolling back.", actor="tests"
    )

    active = text(section(get("/"), "active-incidents"))

    assert "API errors" in active
    assert "Identified" in active
    assert "A bad deploy; rolling back." in active
    assert "We are looking into errors." not in active
    assert f'href="/incidents/{incident.pk}"' in section(get("/"), "active-incidents")


def test_upcoming_maintenance_is_announced_with_its_window(get, page, api, dashboard):
    start = timezone.now() + timedelta(days=2)
    schedule_upgrade(page, start, body="Short read-only period.", components=[api, dashboard])

    upcoming = section(get("/"), "maintenance-upcoming")

    assert "Database upgrade" in upcoming
    assert "Affects Core Services (API, Dashboard)." in text(upcoming)
    assert start.astimezone(page.tz).strftime("%H:%M") in upcoming
    assert "<time datetime=" in upcoming


def test_maintenance_in_progress_is_shown_apart(get, page, api):
    start = timezone.now() + timedelta(hours=1)
    maintenance = schedule_upgrade(page, start, name="Network work", components=[api])
    maintenance_services.post_maintenance_update(
        maintenance=maintenance, status="in_progress", body="Started early.", actor="tests"
    )

    html = get("/")

    assert "Network work" in section(html, "maintenance-now")
    assert 'id="maintenance-upcoming"' not in html
    assert '<h1 id="overall-status">Service Under Maintenance</h1>' in html


def test_components_are_listed_by_group_with_the_worst_child_status(get, api, dashboard, website):
    component_services.set_component_status(component=api, status="partial_outage", actor="tests")

    components = section(get("/"), "components-heading")

    assert f'<details id="group-{api.group_id}">' in components
    summary = text(components.split("<summary>")[1].split("</summary>")[0])
    assert summary == "Core Services (2 components) Partial outage"
    assert text(components).index("API") < text(components).index("Dashboard")
    assert "Website" in components


def test_each_status_is_written_and_drawn_not_only_coloured(get, api, website):
    component_services.set_component_status(
        component=website, status="degraded_performance", actor="tests"
    )
    components = section(get("/"), "components-heading")
    assert "icons.svg#minus" in components
    assert "Degraded performance" in text(components)
    assert "icons.svg#check" in components
    assert "Operational" in text(components)


def test_a_component_shown_only_when_degraded_hides_while_operational(get, page):
    batch = component_services.create_component(
        page=page, name="Batch jobs", actor="tests", only_show_if_degraded=True
    )
    assert "Batch jobs" not in get("/")

    component_services.set_component_status(component=batch, status="major_outage", actor="tests")
    assert "Batch jobs" in get("/")


def test_showcased_components_have_uptime_bars_and_the_page_explains_them(get, page, api):
    component_services.create_component(page=page, name="Internal", actor="tests", showcase=False)

    components = section(get("/"), "components-heading")

    assert components.count('class="bars"') == 1
    assert components.count('class="bar bar-') == 90
    assert "100% uptime" in components
    assert "partial outage 30%" in text(components)
    assert "major outage counts 100%" in text(components)


def test_quiet_days_say_no_incidents_reported(get, page, api):
    past_incident(page, "Old hiccup", timezone.now() - timedelta(days=3), body="It was brief.")

    past = section(get("/"), "past-incidents")

    assert past.count('class="day-title"') == 14
    assert past.count("No incidents reported.") == 13
    assert "Old hiccup" in past
    assert "It was brief." in past
    assert 'href="/history"' in past


def test_the_page_header_and_footer_come_from_the_page(get, page):
    page.support_url = "https://help.example.com"
    page.footer_links = [{"label": "Privacy", "url": "https://example.com/privacy"}]
    page.save()

    html = get("/")

    assert "Example Status" in html
    assert 'href="https://help.example.com"' in html
    assert '<a href="https://example.com/privacy" rel="noopener">Privacy</a>' in html
    assert '<link rel="stylesheet" href="/brand.css">' in html


def test_the_brand_colour_is_served_as_a_stylesheet(client, page):
    page.brand_colour = "#FF5500"
    page.save()

    response = client.get("/brand.css")

    assert response["Content-Type"].startswith("text/css")
    assert response.content.decode().strip() == ":root{--brand:#ff5500}"


def test_before_any_page_exists_the_site_says_so_with_a_404(client, db):
    response = client.get("/")
    assert response.status_code == 404
    assert "No status page has been set up yet." in response.content.decode()


def test_the_404_page_keeps_the_page_footer_links(client, page):
    page.footer_links = [{"label": "Privacy", "url": "https://example.com/privacy"}]
    page.save()
    html = client.get("/incidents/unknown").content.decode()
    assert '<a href="https://example.com/privacy" rel="noopener">Privacy</a>' in html
