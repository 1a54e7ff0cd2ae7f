"""A viewer opens a private page in a real browser, signs in through the OpenID Connect
provider, and watches the page refresh when an operator posts an update."""

import re

import pytest
from playwright.sync_api import expect

from components import services as component_services
from tests.support.scenes import open_api_incident, post_identified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def incident(private_page):
    api = component_services.create_component(page=private_page, name="API", actor="tests")
    return open_api_incident(
        private_page,
        api,
        api_status="degraded_performance",
        body="We are investigating elevated error rates.",
    )


@pytest.fixture
def tab(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    # Closed before the live server and the test database go away, so no poll outlives them.
    context.close()


def test_a_viewer_signs_in_with_the_provider_and_sees_the_page_refresh_live(
    live_server, oidc, incident, tab
):
    tab.goto(live_server.url + "/")
    expect(tab).to_have_url(re.compile(r"/viewer/sign-in\?next=%2F$"))
    expect(tab.get_by_text("We are investigating elevated error rates.")).to_have_count(0)

    tab.get_by_role("link", name="Sign in with Example SSO").click()
    # The provider's own sign-in and consent pages (node-oidc-provider's development ones).
    tab.locator("input[name=login]").fill("vera-at-idp")
    tab.locator("input[name=password]").fill("anything")
    tab.locator("button[type=submit]").click()
    tab.locator("button[type=submit]").click()  # consent: "Continue"

    expect(tab).to_have_url(live_server.url + "/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Degraded System Service")
    active = tab.get_by_role("region", name="Active incidents")
    expect(active.get_by_text("We are investigating elevated error rates.")).to_be_visible()
    # A mark that a full reload would wipe out.
    tab.evaluate("window.beaconMark = 'still here'")

    [api] = incident.components.all()
    post_identified(
        incident,
        "A bad deploy was identified and is being rolled back.",
        component_statuses={api: "major_outage"},
    )

    # htmx refreshes the live region with the viewer's cookie; no navigation on their side.
    expect(
        active.get_by_text("A bad deploy was identified and is being rolled back.")
    ).to_be_visible(timeout=25_000)
    expect(tab.get_by_role("heading", level=1)).to_have_text("Major System Outage")
    assert tab.evaluate("window.beaconMark") == "still here"
