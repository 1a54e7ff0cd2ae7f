"""A page admin runs the team screen in a real browser: invites, changes a role, switches page."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from pages.models import Invitation, Membership, Page
from pages.roles import assign_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long operator password"


def test_a_page_admin_invites_and_changes_a_role_from_the_team_screen(
    live_server, chromium, smtp, settings
):
    settings.SITE_URL = live_server.url
    page = Page.objects.create(name="Example Status", url=live_server.url, is_default=True)
    other = Page.objects.create(name="Payments", url="https://pay.test", domain="pay.test")
    admin = User.objects.create_user("gail", "gail@example.com", PASSWORD)
    assign_role(admin, "admin", page)
    assign_role(admin, "admin", other)
    hugo = User.objects.create_user("hugo", "hugo@example.com", PASSWORD)
    assign_role(hugo, "responder", page)

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(live_server.url + "/admin/login/")
        tab.get_by_label("Username").fill("gail")
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Log in").click()

        # The header's switcher: two pages, all of them current until one is picked.
        expect(tab.locator(".beacon-current-page")).to_contain_text("all pages")
        tab.get_by_label("Page", exact=True).select_option(label="Example Status")
        tab.get_by_role("button", name="Switch").click()
        expect(tab.locator(".beacon-current-page")).to_contain_text("Example Status")

        tab.goto(f"{live_server.url}/admin/pages/page/{page.pk}/team/")
        expect(tab.get_by_role("heading", name="Members")).to_be_visible()
        tab.get_by_label("Email address").fill("ines@example.org")
        tab.get_by_label("Role:", exact=True).select_option("admin")
        tab.get_by_role("button", name="Send invitation").click()
        expect(tab.get_by_text("Invitation sent to ines@example.org.")).to_be_visible()
        pending = tab.get_by_role("region", name="Pending invitations")
        expect(pending.get_by_text("ines@example.org")).to_be_visible()

        tab.get_by_label("Role of hugo").select_option("admin")
        tab.get_by_role("row", name="hugo").get_by_role("button", name="Change role").click()
        expect(tab.get_by_text("hugo is now page admin.")).to_be_visible()
    finally:
        context.close()

    assert Membership.objects.get(user=hugo, page=page).role == "admin"
    assert Invitation.objects.get().email == "ines@example.org"
    assert len(smtp.recorder.messages_to("ines@example.org")) == 1
