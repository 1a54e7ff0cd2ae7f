"""An operator keeps a monitor's page open: the form shows the picked kind's fields, and new
checks appear in its history without a reload, under the admin's Content-Security-Policy."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from components import services as component_services
from monitors.editing import save_monitor
from monitors.models import Monitor, MonitorResult
from pages.models import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long operator password"


@pytest.fixture
def monitor(live_server) -> Monitor:
    page = Page.objects.create(
        name="Example Status", url=live_server.url, is_default=True, time_zone="Europe/Paris"
    )
    api = component_services.create_component(page=page, name="API", actor="tests")
    monitor = Monitor(page=page, component=api, name="API health", target="https://93.184.215.14/")
    save_monitor(monitor=monitor, actor="tests")
    User.objects.create_superuser("olivia", "olivia@example.com", PASSWORD)
    return monitor


@pytest.fixture
def operator(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    refused: list[str] = []
    tab.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    tab.goto(live_server.url + "/admin/login/")
    tab.get_by_label("Username").fill("olivia")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.refused = refused
    yield tab
    # Closed before the live server and the test database go away, so no poll outlives them.
    context.close()


def test_picking_a_kind_shows_only_its_fields(live_server, monitor, operator):
    operator.goto(live_server.url + "/admin/monitors/monitor/add/")
    http = operator.locator("fieldset.beacon-for-http:not(.beacon-for-tcp)")
    tcp = operator.locator("fieldset.beacon-for-tcp:not(.beacon-for-http)")
    expect(http).to_be_visible()
    expect(tcp).to_be_hidden()
    operator.get_by_label("Kind").select_option("tcp")
    expect(http).to_be_hidden()
    expect(tcp).to_be_visible()
    expect(operator.get_by_label("Port")).to_be_visible()
    operator.get_by_label("Kind").select_option("heartbeat")
    expect(operator.get_by_label("Target")).to_be_hidden()
    expect(operator.get_by_label("Grace seconds")).to_be_visible()
    assert operator.refused == []


def test_a_new_check_shows_in_the_history_without_a_reload(live_server, monitor, operator):
    operator.goto(f"{live_server.url}/admin/monitors/monitor/{monitor.pk}/change/")
    expect(operator.get_by_text("No checks yet.")).to_be_visible()
    operator.evaluate("window.beaconMark = 'still here'")
    operator.get_by_role("button", name="Check now").click()
    expect(operator.locator("body")).to_contain_text("is due now")
    operator.evaluate("window.beaconMark = 'still here'")

    MonitorResult.objects.create(
        monitor=monitor, checked_at=timezone.now(), verdict="down", error="Connection refused"
    )
    history = operator.get_by_role("region", name="Last 50 checks")
    expect(history.get_by_text("Connection refused")).to_be_visible(timeout=40_000)
    assert operator.evaluate("window.beaconMark") == "still here"
    assert operator.refused == []
