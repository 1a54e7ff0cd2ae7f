"""Extra host names, and a page created in the admin answering at its hosts at once."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from pages.lookup import page_for
from pages.models import Page
from pages.services import save_page
from snapshots import documents, publisher, store
from tests.support.forms import page_form_data

pytestmark = pytest.mark.django_db


def test_a_page_answers_at_its_extra_host_names(page, other_page, settings):
    settings.ALLOWED_HOSTS = ["*"]
    other_page.extra_domains = ["Old.Other.Test", "other.example.net"]
    save_page(page=other_page, actor="tests")
    assert other_page.extra_domains == ["old.other.test", "other.example.net"]
    factory = RequestFactory()
    assert page_for(factory.get("/", HTTP_HOST="old.other.test:8443")) == other_page
    assert page_for(factory.get("/", HTTP_HOST="other.example.net")) == other_page
    # Only a whole name matches: a name inside another is the default page's.
    assert page_for(factory.get("/", HTTP_HOST="ther.example.net")) == page
    assert page_for(factory.get("/", HTTP_HOST="example.net")) == page


def test_a_host_name_answers_for_one_page_only(page, other_page):
    page.extra_domains = ["other.test"]
    with pytest.raises(ValidationError, match="already answers for the page “Other”"):
        save_page(page=page, actor="tests")
    other_page.extra_domains = ["legacy.test"]
    save_page(page=other_page, actor="tests")
    page.extra_domains = ["legacy.test"]
    with pytest.raises(ValidationError, match=r"legacy\.test already answers"):
        save_page(page=page, actor="tests")
    page.refresh_from_db()
    page.domain = "legacy.test"
    with pytest.raises(ValidationError) as error:
        save_page(page=page, actor="tests")
    assert "domain" in error.value.message_dict


@pytest.mark.parametrize("bad", ["https://x.test", "x.test/path", "x.test:80", "a b", "-x.test"])
def test_an_extra_host_name_must_be_a_bare_host_name(page, bad):
    page.extra_domains = [bad]
    with pytest.raises(ValidationError):
        page.full_clean()


def test_a_page_created_in_the_admin_answers_at_its_hosts_at_once(client, alice, page, settings):
    settings.ALLOWED_HOSTS = ["*"]
    client.force_login(alice)
    data = page_form_data(page) | {
        "name": "Payments Status",
        "url": "https://status.payments.test",
        "domain": "status.payments.test",
        "extra_domains": "payments-status.test\nOLD.payments.test",
    }
    del data["is_default"]
    response = client.post("/admin/pages/page/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Page.objects.get(name="Payments Status")
    assert created.extra_domains == ["payments-status.test", "old.payments.test"]

    for host in ("status.payments.test", "payments-status.test", "old.payments.test"):
        home = client.get("/", HTTP_HOST=host)
        assert home.status_code == 200
        assert "Payments Status" in home.content.decode()
    assert "Example Status" in client.get("/", HTTP_HOST="elsewhere.test").content.decode()
    # The publisher wrote the new page's hosts into the index the lane reads.
    publisher.publish()
    hosts = store.read_hosts()
    assert hosts is not None
    assert hosts["hosts"]["payments-status.test"] == created.pk
    home_key = documents.eager_keys()[0]
    assert store.read(created.pk, home_key) is not None


def test_the_extra_host_names_field_refuses_a_bad_name_as_a_form_error(client, alice, page):
    client.force_login(alice)
    response = client.post(
        f"/admin/pages/page/{page.pk}/change/",
        page_form_data(page) | {"extra_domains": "http://nope.test/"},
    )
    assert response.status_code == 200
    assert "Enter a host name" in response.content.decode()
