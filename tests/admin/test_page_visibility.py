"""Page admins choose who may see the page in the page form, under Visibility."""

from django.test import Client

from tests.support.forms import page_form_data


def test_a_page_admin_makes_the_page_private_under_visibility(admin_client_for, alice, page):
    client = admin_client_for(alice)
    form = client.get(f"/admin/pages/page/{page.pk}/change/").content.decode()
    assert "Visibility</h2>" in form
    assert "Leave all of it empty for a public page" in form
    data = page_form_data(page, is_private=True) | {
        "viewer_emails": "ann@example.com\n@staff.example.org",
        "allowed_networks": "10.0.0.0/8",
    }
    response = client.post(f"/admin/pages/page/{page.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert page.is_private and page.allowed_networks == ["10.0.0.0/8"]
    assert page.access_epoch == 1
    client.logout()
    assert Client().get("/").status_code == 302


def test_a_bad_network_in_the_admin_is_a_clear_error_not_a_500(admin_client_for, alice, page):
    data = page_form_data(page) | {"allowed_networks": "10.0.0.0/8\n300.1.1.1/8"}
    response = admin_client_for(alice).post(f"/admin/pages/page/{page.pk}/change/", data)
    assert response.status_code == 200
    assert "“300.1.1.1/8” is not a network" in response.content.decode()
    page.refresh_from_db()
    assert page.allowed_networks == []
