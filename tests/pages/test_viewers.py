"""Private and network-limited pages as Django serves them: viewers signing in by email link,
their cookie and feed token, what a visitor without them gets, and subscribing."""

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from pages import tasks, viewers
from pages.forms import PageForm
from pages.models import Page, ViewerLink
from pages.services import save_page
from subscribers.models import Subscriber
from tests.support.scenes import open_api_incident

SIGN_IN_NEXT_HOME = "/viewer/sign-in?next=%2F"


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    cache.clear()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "other.test"]


@pytest.fixture
def private_page(page, api) -> Page:
    open_api_incident(
        page,
        api,
        api_status="degraded_performance",
        name="Payroll export delayed",
        body="Looking into it.",
    )
    page.is_private = True
    page.viewer_emails = ["ann@example.com", "@staff.example.org"]
    save_page(page=page, actor="tests")
    page.refresh_from_db()
    return page


def viewer_client(page: Page, email: str = "ann@example.com", **extra: Any) -> Client:
    """A browser holding the viewer cookie Beacon sets on sign-in."""
    from django.http import HttpResponse

    response = HttpResponse()
    viewers.grant(response, page, email, method="email", secure=False)
    client = Client(**extra)
    client.cookies[viewers.COOKIE_NAME] = response.cookies[viewers.COOKIE_NAME].value
    return client


def mailed_link(smtp, to: str) -> str:
    [message] = smtp.recorder.messages_to(to)
    text = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    url = re.search(r"https://status\.example\.com(/viewer/link/\S+)", text)
    assert url is not None, text
    return url[1]


def send_links() -> None:
    for pk in ViewerLink.objects.values_list("pk", flat=True):
        tasks.send_viewer_link(pk)


# Who may sign in -----------------------------------------------------------------------------


def test_viewers_are_listed_addresses_or_anyone_at_a_listed_domain(private_page):
    assert viewers.email_allowed(private_page, "Ann@Example.com")
    assert viewers.email_allowed(private_page, "bo@staff.example.org")
    assert not viewers.email_allowed(private_page, "bo@example.com")
    assert not viewers.email_allowed(private_page, "bo@sub.staff.example.org")
    assert not viewers.email_allowed(private_page, "not an address")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("allowed_networks", "10.0.0.0/8\nten.0.0.0/8", "is not a network"),
        ("allowed_networks", "10.0.0.0/33", "is not a network"),
        ("viewer_emails", "ann@example.com\nexample.com", "neither an address"),
        ("viewer_emails", "@", "neither an address"),
    ],
)
def test_the_admin_form_refuses_what_is_not_a_network_or_a_viewer(page, field, value, message):
    data = {name: getattr(page, name) for name in PageForm.Meta.fields if name != "logo"}
    data.update({"footer_links": "[]", field: value})
    form = PageForm(data, instance=page)
    assert not form.is_valid()
    assert message in str(form.errors[field])


def test_the_admin_form_takes_one_entry_a_line_and_stores_them_tidied(page):
    data = {name: getattr(page, name) for name in PageForm.Meta.fields if name != "logo"}
    data.update(
        footer_links="[]",
        is_private="on",
        allowed_networks="10.1.2.3/8\n2001:db8::/32",
        viewer_emails="Ann@Example.com\n@Staff.Example.org",
    )
    form = PageForm(data, instance=page)
    assert form.is_valid(), form.errors
    save_page(page=form.save(commit=False), actor="tests")
    page.refresh_from_db()
    assert page.allowed_networks == ["10.0.0.0/8", "2001:db8::/32"]
    assert page.viewer_emails == ["ann@example.com", "@staff.example.org"]


def test_the_model_refuses_a_bad_network_even_outside_the_admin(page):
    page.allowed_networks = ["10.0.0.0/8", "nonsense"]
    with pytest.raises(ValidationError):
        save_page(page=page, actor="tests")


# The epoch ------------------------------------------------------------------------------------


def test_taking_sight_of_the_page_from_anyone_bumps_the_epoch_and_adding_viewers_does_not(page):
    epochs = [page.access_epoch]

    def change(**fields):
        for name, value in fields.items():
            setattr(page, name, value)
        save_page(page=page, actor="tests")
        page.refresh_from_db()
        epochs.append(page.access_epoch)

    change(is_private=True, viewer_emails=["ann@example.com"])
    change(viewer_emails=["ann@example.com", "bo@example.com"])
    change(allowed_networks=["10.0.0.0/8"])
    change(viewer_emails=["bo@example.com"])
    change(viewer_oidc=True)
    change(viewer_oidc=False)
    change(is_private=False)
    assert epochs == [0, 1, 1, 1, 2, 2, 3, 4]


# The cookie -----------------------------------------------------------------------------------


def test_a_viewer_cookie_names_its_page_viewer_and_epoch(private_page, other_page):
    from django.http import HttpResponse

    response = HttpResponse()
    viewers.grant(response, private_page, "Ann@Example.com", method="email", secure=True)
    morsel = response.cookies[viewers.COOKIE_NAME]
    assert morsel["httponly"] and morsel["secure"] and morsel["samesite"] == "Lax"
    assert morsel["domain"] == "" and morsel["path"] == "/"
    access = viewers.access_of(private_page)
    assert access is not None
    assert viewers.viewer_from(morsel.value, access) == "ann@example.com"
    # Tampered with, for another page, or from before the epoch moved: refused.
    assert viewers.viewer_from(morsel.value[:-2] + "xx", access) is None
    other_page.is_private = True
    elsewhere = viewers.access_of(other_page)
    assert elsewhere is not None
    assert viewers.viewer_from(morsel.value, elsewhere) is None
    later = viewers.Access(access.page_id, True, (), access.epoch + 1)
    assert viewers.viewer_from(morsel.value, later) is None


def test_a_cookie_older_than_the_session_lifetime_is_refused(private_page, settings):
    settings.VIEWER_SESSION_DAYS = 1
    old = signing.dumps(
        {
            "p": private_page.pk,
            "e": "ann@example.com",
            "t": int(time.time()) - 2 * 86400,
            "v": private_page.access_epoch,
            "m": "email",
        },
        salt=viewers.COOKIE_SALT,
        compress=False,
    )
    client = Client()
    client.cookies[viewers.COOKIE_NAME] = old
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, SIGN_IN_NEXT_HOME)


# Signing in by email ----------------------------------------------------------------------------


def test_an_allowed_viewer_signs_in_with_the_emailed_link_once(private_page, smtp):
    browser = Client()
    refused = browser.get("/incidents/x?y=1")
    assert refused.status_code == 302
    sign_in = browser.get(refused["Location"])
    assert sign_in.status_code == 200
    assert b"Sign in to Example Status" in sign_in.content
    assert b"Payroll" not in sign_in.content
    assert "private" in sign_in["Cache-Control"]

    asked = browser.post("/viewer/sign-in", {"email": "bo@staff.example.org", "next": "/history"})
    assert b"Check your inbox" in asked.content
    assert not asked.cookies
    send_links()
    link = mailed_link(smtp, "bo@staff.example.org")

    # Following the link (as a mail scanner would) shows a button and signs no one in.
    shown = browser.get(link)
    assert shown.status_code == 200 and not shown.cookies
    signed_in = browser.post(link)
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/history")
    cookie = signed_in.cookies[viewers.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["domain"]

    home = browser.get("/")
    assert home.status_code == 200 and b"Payroll export delayed" in home.content
    assert home["Cache-Control"] == "private, no-cache"
    assert "Cookie" in home["Vary"]

    # The link works once.
    replayed = Client().post(link)
    assert replayed.status_code == 400
    assert b"already been used" in replayed.content
    assert viewers.COOKIE_NAME not in replayed.cookies


def test_the_answer_is_the_same_for_an_address_that_may_not_see_the_page(private_page, smtp):
    allowed = Client().post("/viewer/sign-in", {"email": "ann@example.com"})
    stranger = Client().post("/viewer/sign-in", {"email": "eve@example.net"})
    assert allowed.status_code == stranger.status_code == 200
    assert allowed.content == stranger.content
    send_links()
    assert smtp.recorder.counts() == {"ann@example.com": 1}


def test_a_flood_of_requests_for_one_address_sends_one_link(private_page, smtp, settings):
    settings.VIEWER_LINK_LIMIT_PER_IP = 3
    client = Client(REMOTE_ADDR="198.51.100.4")
    answers = [client.post("/viewer/sign-in", {"email": "ann@example.com"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    send_links()
    assert smtp.recorder.counts() == {"ann@example.com": 1}


def test_a_malformed_address_gets_a_clear_error(private_page):
    response = Client().post("/viewer/sign-in", {"email": "not-an-address"})
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content


@pytest.mark.parametrize("tamper", ["truncate", "expire", "other page"])
def test_a_tampered_expired_or_foreign_link_signs_no_one_in(private_page, other_page, tamper):
    link = ViewerLink.objects.create(page=private_page, email="ann@example.com")
    token = viewers.link_token(link.pk)
    client = Client()
    if tamper == "truncate":
        token = token[:-3]
    elif tamper == "expire":
        ViewerLink.objects.filter(pk=link.pk).update(
            created_at=timezone.now() - timedelta(minutes=16)
        )
    else:
        other_page.is_private = True
        other_page.viewer_emails = ["ann@example.com"]
        save_page(page=other_page, actor="tests")
        client = Client(HTTP_HOST="other.test")
    response = client.post(f"/viewer/link/{token}")
    assert response.status_code == 400
    assert viewers.COOKIE_NAME not in response.cookies
    assert b"Ask for a new sign-in link" in response.content


def test_a_viewer_removed_before_following_the_link_is_not_signed_in(private_page):
    link = ViewerLink.objects.create(page=private_page, email="ann@example.com")
    private_page.viewer_emails = ["@staff.example.org"]
    save_page(page=private_page, actor="tests")
    response = Client().post(f"/viewer/link/{viewers.link_token(link.pk)}")
    assert response.status_code == 400


@pytest.mark.parametrize("next_path", ["//evil.example.net/", "https://evil.example.net/", "x"])
def test_the_link_only_ever_returns_to_this_site(private_page, next_path):
    link = ViewerLink.objects.create(page=private_page, email="ann@example.com")
    Client().post("/viewer/sign-in", {"email": "ann@example.com", "next": next_path})
    ViewerLink.objects.filter(pk=link.pk).update(next_path=next_path)
    response = Client().post(f"/viewer/link/{viewers.link_token(link.pk)}")
    assert response["Location"] == "/"


def test_signing_out_clears_the_cookie(private_page):
    browser = viewer_client(private_page)
    assert browser.get("/").status_code == 200
    response = browser.post("/viewer/sign-out")
    assert response.status_code == 302
    assert response.cookies[viewers.COOKIE_NAME]["max-age"] == 0
    assert browser.get("/").status_code == 302


def test_the_sign_in_page_offers_single_sign_on_only_when_it_can(private_page, settings):
    settings.SIGNIN_OIDC_ISSUER = "https://id.example.com"
    assert b"Sign in with" not in Client().get("/viewer/sign-in").content  # viewer_oidc off
    private_page.viewer_oidc = True
    save_page(page=private_page, actor="tests")
    # An issuer without the client Beacon signs in with: no button that leads nowhere.
    assert b"Sign in with" not in Client().get("/viewer/sign-in").content
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Example SSO",
                    "client_id": "beacon",
                    "secret": "s3cret",
                    "settings": {"server_url": "https://id.example.com"},
                }
            ]
        }
    }
    settings.SIGNIN_OIDC_NAME = "Example SSO"
    assert b"Sign in with Example SSO" in Client().get("/viewer/sign-in").content


# What a private page serves ---------------------------------------------------------------------

MACHINE_PATHS = [
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/history.atom",
    "/history.rss",
    "/maintenance.ics",
    "/badge.svg",
    "/badge.svg?component=nosuchid0001",
    "/embed",
    "/fragments/home",
    "/brand.css",
]
PAGE_PATHS = ["/", "/history", "/history?page=2", "/incidents/nosuchid0001", "/maintenance/x"]


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_without_a_cookie_a_private_pages_html_sends_the_browser_to_sign_in(private_page, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/viewer/sign-in?next=")
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response and response.content == b""


@pytest.mark.parametrize("path", MACHINE_PATHS)
def test_without_a_credential_its_machine_documents_answer_401_with_nothing_of_the_page(
    private_page, path
):
    response = Client().get(path)
    assert response.status_code == 401
    assert response.content == b"Sign in to see this page.\n"
    assert "ETag" not in response and "Access-Control-Allow-Origin" not in response
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("path", ["/", "/history", *MACHINE_PATHS[:-3]])
def test_a_signed_in_viewer_gets_every_document_for_their_browser_alone(private_page, path):
    response = viewer_client(private_page).get(path)
    assert response.status_code in (200, 404)
    assert response["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response["Vary"]
    assert "public" not in response["Cache-Control"]


def test_a_304_only_for_a_viewer(private_page):
    viewer = viewer_client(private_page)
    etag = viewer.get("/").headers["ETag"]
    assert viewer.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    stranger = Client().get("/", HTTP_IF_NONE_MATCH=etag)
    assert stranger.status_code == 302 and "ETag" not in stranger


def test_a_feed_token_reads_the_machine_documents_until_the_epoch_moves(private_page):
    token = viewers.feed_token(private_page, "ann@example.com")
    for path in ["/history.atom", "/maintenance.ics", "/badge.svg", "/api/v2/summary.json"]:
        assert Client().get(path, {"access": token}).status_code == 200, path
    bearer = Client().get("/api/v2/summary.json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer.status_code == 200 and b"Payroll export delayed" in bearer.content
    # Not a way into the HTML pages, and nothing once a viewer is removed.
    assert Client().get("/", {"access": token}).status_code == 302
    private_page.viewer_emails = ["@staff.example.org"]
    save_page(page=private_page, actor="tests")
    assert Client().get("/history.atom", {"access": token}).status_code == 401


def test_a_private_page_links_its_viewers_to_their_own_page_and_a_public_one_does_not(
    private_page,
):
    assert b'href="/viewer/"' in viewer_client(private_page).get("/").content
    private_page.is_private = False
    save_page(page=private_page, actor="tests")
    assert b'href="/viewer/"' not in Client().get("/").content


def test_the_viewers_own_page_lists_their_feed_links_and_they_work(private_page):
    response = viewer_client(private_page).get("/viewer/")
    assert b"Feed and calendar links for you" in response.content
    assert b"Signed in as ann@example.com" in response.content
    urls = re.findall(rb"<code>https://status\.example\.com(/[^<]+)</code>", response.content)
    assert len(urls) == 5
    for url in urls:
        assert Client().get(url.decode().replace("&amp;", "&")).status_code == 200, url
    assert Client().get("/viewer/").status_code == 302


def test_making_the_page_private_again_signs_viewers_out(private_page):
    viewer = viewer_client(private_page)
    private_page.is_private = False
    save_page(page=private_page, actor="tests")
    public = viewer.get("/")
    assert public.status_code == 200 and "public" in public["Cache-Control"]
    private_page.is_private = True
    save_page(page=private_page, actor="tests")
    assert viewer.get("/").status_code == 302


def test_the_404_page_of_a_private_host_shows_nothing_of_it(private_page):
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    assert b"Example Status" not in response.content
    assert b"Payroll" not in response.content


def test_a_private_pages_cookie_opens_nothing_on_another_pages_host(private_page, other_page):
    other_page.is_private = True
    other_page.viewer_emails = ["ann@example.com"]
    save_page(page=other_page, actor="tests")
    viewer = viewer_client(private_page, HTTP_HOST="other.test")
    assert viewer.get("/").status_code == 302
    assert viewer.get("/api/v2/summary.json").status_code == 401


# Networks ---------------------------------------------------------------------------------------


def test_a_page_limited_to_networks_serves_only_requests_from_them(page):
    page.allowed_networks = ["10.20.0.0/16", "2001:db8::/32"]
    save_page(page=page, actor="tests")
    inside = Client(REMOTE_ADDR="10.20.3.4").get("/")
    assert inside.status_code == 200 and inside["Cache-Control"] == "private, no-cache"
    assert Client(REMOTE_ADDR="2001:db8::1").get("/api/v2/summary.json").status_code == 200
    outside = Client(REMOTE_ADDR="10.21.0.1").get("/")
    assert outside.status_code == 403 and b"allowed networks" in outside.content
    assert Client(REMOTE_ADDR="203.0.113.5").get("/history.atom").status_code == 403
    assert Client(REMOTE_ADDR="10.21.0.1").get("/viewer/sign-in").status_code == 403


def test_behind_a_trusted_proxy_the_address_it_appended_counts(page, settings):
    page.allowed_networks = ["10.20.0.0/16"]
    save_page(page=page, actor="tests")
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.20.0.7")
    # Not behind a proxy: the header is anyone's to write, and is ignored.
    assert proxied.get("/").status_code == 403
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxied.get("/").status_code == 200
    spoofed = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.0.7, 203.0.113.9")
    assert spoofed.get("/").status_code == 403


def test_private_with_networks_admits_the_networks_and_signs_in_everyone_else(private_page):
    private_page.allowed_networks = ["10.20.0.0/16"]
    save_page(page=private_page, actor="tests")
    assert Client(REMOTE_ADDR="10.20.0.8").get("/").status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.5").get("/").status_code == 302
    assert viewer_client(private_page, REMOTE_ADDR="203.0.113.5").get("/").status_code == 200


# Subscribing ------------------------------------------------------------------------------------


def test_only_signed_in_viewers_may_subscribe_to_a_private_page(private_page):
    anonymous = Client().post("/subscribe", {"email": "ann@example.com"})
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/viewer/sign-in?next=%2Fsubscribe"
    assert Client().get("/subscribe/webhook").status_code == 302
    assert Client().get("/webhooks").status_code == 302
    assert not Subscriber.objects.exists()


def test_a_viewer_subscribes_their_own_or_an_allowed_address_only(private_page):
    viewer = viewer_client(private_page)
    assert viewer.get("/subscribe").status_code == 200
    refused = viewer.post("/subscribe", {"email": "eve@example.net"})
    assert refused.status_code == 400
    assert b"subscribe with your own address" in refused.content
    assert viewer.post("/subscribe", {"email": "Ann@example.com"}).status_code == 200
    assert viewer.post("/subscribe", {"email": "cy@staff.example.org"}).status_code == 200
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "Ann@example.com",
        "cy@staff.example.org",
    ]
