"""Another site embeds the widget: a real Chromium loads the script and the frame cross-origin."""

import pytest
from playwright.sync_api import expect

from components import services as component_services
from pages.models import Page
from tests.support.receivers import Answer, LocalHTTPServer, Request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ThirdPartySite(LocalHTTPServer):
    """Another origin (127.0.0.1 and its own port, where Beacon is on localhost) serving the
    one HTML page the test puts in `html`."""

    methods = ("GET",)
    html = ""

    def answer(self, request: Request) -> Answer:
        return 200, {"Content-Type": "text/html; charset=utf-8"}, self.html.encode()


@pytest.fixture
def third_party_site(stop_at_end):
    return stop_at_end(ThirdPartySite().start())


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def test_another_site_shows_the_live_status_with_the_script_and_the_frame(
    live_server, context, third_party_site
):
    page = Page.objects.create(
        name="Example Status", url=live_server.url, is_default=True, time_zone="Europe/Paris"
    )
    api = component_services.create_component(page=page, name="API", actor="tests")
    component_services.set_component_status(component=api, status="major_outage", actor="tests")
    third_party_site.html = f"""<!doctype html><html lang="en">
    <head><title>Intranet</title></head><body>
      <p>Our status: <a data-beacon-status href="{live_server.url}">loading</a></p>
      <script src="{live_server.url}/embed.js" async></script>
      <iframe title="Status" src="{live_server.url}/embed" width="320" height="120"></iframe>
    </body></html>"""
    tab = context.new_page()
    errors: list[str] = []

    def note_error(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    tab.on("console", note_error)

    tab.goto(f"{third_party_site.base}/")

    link = tab.locator("a[data-beacon-status]")
    expect(link).to_have_text("Major System Outage", timeout=15_000)
    assert link.get_attribute("href") == live_server.url
    frame = tab.frame_locator("iframe[title=Status]")
    expect(frame.get_by_role("link", name="Major System Outage")).to_be_visible()
    assert errors == []
