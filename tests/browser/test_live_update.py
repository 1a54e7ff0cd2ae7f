"""A visitor keeps the status page open while an operator posts an update in the admin."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from components import services as component_services
from pages.models import Page
from tests.support.scenes import open_api_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long operator password"


@pytest.fixture
def scene(live_server):
    page = Page.objects.create(
        name="Example Status", url=live_server.url, is_default=True, time_zone="Europe/Paris"
    )
    api = component_services.create_component(page=page, name="API", actor="tests")
    incident = open_api_incident(
        page,
        api,
        api_status="degraded_performance",
        body="We are investigating elevated error rates.",
    )
    User.objects.create_superuser("olivia", "olivia@example.com", PASSWORD)
    return incident


@pytest.fixture
def contexts(browser):
    opened = []

    def new_context():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        opened.append(context)
        return context

    yield new_context
    # Closed before the live server and the test database go away, so no poll outlives them.
    for context in opened:
        context.close()


def test_an_open_page_shows_an_operators_update_without_a_reload(live_server, scene, contexts):
    reader = contexts().new_page()
    reader.goto(live_server.url + "/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Degraded System Service")
    active = reader.get_by_role("region", name="Active incidents")
    expect(active.get_by_text("We are investigating elevated error rates.")).to_be_visible()
    # A mark that a full reload would wipe out.
    reader.evaluate("window.beaconMark = 'still here'")

    operator = contexts().new_page()
    operator.goto(live_server.url + "/admin/login/")
    operator.get_by_label("Username").fill("olivia")
    operator.get_by_label("Password").fill(PASSWORD)
    operator.get_by_role("button", name="Log in").click()
    operator.goto(f"{live_server.url}/admin/incidents/incident/{scene.pk}/change/")
    operator.locator("#post-update").get_by_label("Status").select_option("identified")
    operator.locator("#post-update").get_by_label("Message").fill(
        "A bad deploy was identified and is being rolled back."
    )
    operator.locator("#post-update").get_by_label("API").select_option("major_outage")
    operator.get_by_role("button", name="Post update").click()
    expect(operator.locator("body")).to_contain_text("A bad deploy was identified")

    # htmx refreshes the live region on its own; no navigation happens on the reader's side.
    expect(
        active.get_by_text("A bad deploy was identified and is being rolled back.")
    ).to_be_visible(timeout=25_000)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Major System Outage")
    assert reader.evaluate("window.beaconMark") == "still here"
