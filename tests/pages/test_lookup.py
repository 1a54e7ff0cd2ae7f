import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from pages.lookup import page_for
from pages.models import Page

pytestmark = pytest.mark.django_db


def test_a_request_gets_the_page_of_its_host_name_else_the_default_page(page, settings):
    settings.ALLOWED_HOSTS = ["status.other.test", "localhost"]
    other = Page.objects.create(
        name="Other Status", url="https://status.other.test", domain="status.other.test"
    )
    factory = RequestFactory()
    assert page_for(factory.get("/", HTTP_HOST="status.other.test")) == other
    assert page_for(factory.get("/", HTTP_HOST="STATUS.OTHER.TEST:8443")) == other
    assert page_for(factory.get("/", HTTP_HOST="localhost")) == page


def test_an_unknown_time_zone_or_colour_is_a_validation_error(page):
    page.time_zone = "Mars/Olympus_Mons"
    page.brand_colour = "red"
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert set(error.value.message_dict) == {"time_zone", "brand_colour"}


def test_footer_links_must_be_labelled_web_addresses(page):
    page.footer_links = [{"label": "Docs", "url": "javascript:alert(1)"}]
    with pytest.raises(ValidationError):
        page.full_clean()
    page.footer_links = [{"label": "Docs", "url": "https://docs.example.com"}]
    page.full_clean()
