"""Page admins switch visitors' sign-up in the page form, under Subscriptions."""

from snapshots import publisher, store
from tests.support.forms import page_form_data

SWITCHES = [
    "allow_page_subscribers",
    "allow_email_subscribers",
    "allow_webhook_subscribers",
    "allow_incident_subscribers",
]


def test_the_page_form_has_a_subscriptions_fieldset_that_explains_the_switches(
    admin_client_for, alice, page
):
    form = admin_client_for(alice).get(f"/admin/pages/page/{page.pk}/change/")
    html = form.content.decode()
    assert "<h2" in html and "Subscriptions</h2>" in html
    for name in SWITCHES:
        assert f'name="{name}"' in html
    assert "Existing subscribers keep getting notifications." in html
    assert "you can still add subscribers by hand" in html


def test_unticking_page_subscribers_hides_the_subscribe_link_and_refuses_sign_up(
    admin_client_for, alice, page
):
    client = admin_client_for(alice)
    ticked = dict.fromkeys(SWITCHES, True) | {"allow_page_subscribers": False}
    response = client.post(f"/admin/pages/page/{page.pk}/change/", page_form_data(page, **ticked))
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert page.allow_page_subscribers is False
    assert page.allow_email_subscribers is True

    publisher.publish()
    snapshot = store.read(page.pk, "/")
    assert snapshot is not None
    assert b"Example Status" in snapshot.body  # the rendered page, read as stored
    assert b"/subscribe" not in snapshot.body
    client.logout()
    assert client.get("/subscribe").status_code == 404


def test_sms_sign_up_needs_twilio_in_the_page_form_too(admin_client_for, alice, page, settings):
    client = admin_client_for(alice)
    url = f"/admin/pages/page/{page.pk}/change/"

    data = page_form_data(page, allow_sms_subscribers=True) | {"name": "Renamed"}
    refused = client.post(url, data)

    assert refused.status_code == 200
    assert "SMS is not set up: set TWILIO_ACCOUNT_SID" in refused.content.decode()
    page.refresh_from_db()
    assert page.allow_sms_subscribers is False and page.name == "Example Status"

    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM = "+14155550199"
    accepted = client.post(url, page_form_data(page, allow_sms_subscribers=True))
    assert accepted.status_code == 302, accepted.content.decode()[:2000]
    page.refresh_from_db()
    assert page.allow_sms_subscribers is True
