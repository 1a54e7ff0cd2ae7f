import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from events.models import AuditEntry, EventKind
from pages.lookup import page_for
from pages.models import Membership, Page
from pages.services import save_page
from tests.support.events import captured_events, read

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


def test_saving_a_page_records_who_changed_what_and_a_no_op_records_nothing(page, alice):
    with captured_events() as unchanged:
        assert save_page(page=page, actor=alice) is False
    page.brand_colour = "#aa3300"
    with captured_events() as events:
        assert save_page(page=page, actor=alice) is True
    entry = AuditEntry.objects.get(action="update", object_type="page")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["brand_colour"], entry.after["brand_colour"]) == ("#1f6feb", "#aa3300")
    assert unchanged == []
    assert read(events) == [
        {
            "kind": EventKind.PAGE_CHANGED,
            "subject": ("page", page.pk),
            "notify": False,
            "payload": {},
        }
    ]


def test_an_operator_who_creates_a_page_is_its_admin_and_a_superuser_or_command_is_not(alice):
    xia = User.objects.create_user("xia", is_staff=True)

    save_page(page=Page(name="Xia's page", url="https://xia.test", domain="xia.test"), actor=xia)
    save_page(page=Page(name="Alice's", url="https://alice.test", domain="alice.test"), actor=alice)
    save_page(page=Page(name="Seeded", url="https://seed.test", domain="seed.test"), actor="demo")

    held = set(Membership.objects.values_list("user__username", "page__name", "role"))
    assert held == {("xia", "Xia's page", "admin")}
    assert AuditEntry.objects.filter(action="membership.added", actor=xia).count() == 1
