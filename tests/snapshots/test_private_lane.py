"""A private or network-limited page through the snapshot lane: answered without the database,
exactly as Django answers it, to viewers only, and never into a shared cache."""

import pytest
from django.http import HttpResponse

from pages import viewers
from pages.services import save_page
from snapshots import publisher, store
from tests.snapshots.test_lane import (
    HOST,
    answered_by_lane,
    applications,
    call,
    environ,
    lane_settings,  # noqa: F401 (fixture)
    same_answer,
    stored_etag,
)


def cookie_for(page, email: str = "ann@example.com") -> str:
    response = HttpResponse()
    viewers.grant(response, page, email, method="email", secure=False)
    return f"theme=dark; {viewers.COOKIE_NAME}={response.cookies[viewers.COOKIE_NAME].value}"


def change(page, **fields) -> None:
    for name, value in fields.items():
        setattr(page, name, value)
    save_page(page=page, actor="tests")
    page.refresh_from_db()
    publisher.publish()


@pytest.fixture
def private(lane_settings, page):  # noqa: F811
    change(page, is_private=True, viewer_emails=["ann@example.com"])
    return page


def test_the_access_is_stored_beside_the_host_index_and_public_pages_have_none(
    lane_settings,  # noqa: F811
    page,
):
    assert store.access_for(page.pk) is None
    change(page, is_private=True, allowed_networks=["10.0.0.0/8"])
    access = store.access_for(page.pk)
    assert access is not None
    assert access.private and [str(n) for n in access.networks] == ["10.0.0.0/8"]
    assert access.epoch == page.access_epoch == 1


PAGE_PATHS = ["/", "/history", "/history?page=2"]
MACHINE_PATHS = ["/fragments/home", "/api/v2/summary.json", "/history.atom", "/brand.css"]


@pytest.mark.parametrize("path", PAGE_PATHS[:2] + MACHINE_PATHS)
def test_a_viewer_is_served_by_the_lane_privately(private, path):
    cookie = cookie_for(private)
    assert answered_by_lane(path, HTTP_COOKIE=cookie)
    status, headers, body = same_answer(path, HTTP_COOKIE=cookie)
    assert status == "200 OK" and body
    assert headers["cache-control"] == "private, no-cache"
    assert headers["vary"].endswith("Cookie, Authorization")
    assert "set-cookie" not in headers
    assert "s-maxage" not in headers["cache-control"]


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_without_a_cookie_the_lane_sends_a_browser_to_sign_in_as_django_does(private, path):
    assert answered_by_lane(path)
    status, headers, body = same_answer(path)
    assert status == "302 Found"
    assert headers["location"] == viewers.sign_in_url(path)
    assert body == b"" and "etag" not in headers and "last-modified" not in headers
    assert headers["cache-control"] == "private, no-store"
    assert "content-security-policy" in headers


@pytest.mark.parametrize("path", MACHINE_PATHS)
def test_without_a_credential_machines_get_a_401_from_the_lane(private, path):
    assert answered_by_lane(path)
    status, headers, body = same_answer(path)
    assert status == "401 Unauthorized"
    assert body == b"Sign in to see this page.\n"
    assert "etag" not in headers and "access-control-allow-origin" not in headers
    assert headers["hx-redirect"].startswith("/viewer/sign-in")


@pytest.mark.parametrize(
    "cookie",
    [
        "beacon_viewer=nonsense",
        "beacon_viewer=",
        "beacon_viewer=eyJwIjoiIn0:1tX:forged",
    ],
)
def test_a_bad_cookie_is_refused_like_none(private, cookie):
    assert same_answer("/", HTTP_COOKIE=cookie)[0] == "302 Found"


def test_a_304_goes_only_to_a_viewer(private):
    etag = stored_etag(private, "/")
    cookie = cookie_for(private)
    status, headers, body = same_answer("/", HTTP_COOKIE=cookie, HTTP_IF_NONE_MATCH=etag)
    assert (status, body) == ("304 Not Modified", b"")
    assert headers["cache-control"] == "private, no-cache"
    assert "Cookie" in headers["vary"]
    assert same_answer("/", HTTP_IF_NONE_MATCH=etag)[0] == "302 Found"
    assert same_answer("/", HTTP_IF_NONE_MATCH="*")[0] == "302 Found"


def test_a_feed_token_opens_the_feeds_through_the_lane_without_changing_the_document(private):
    token = viewers.feed_token(private, "ann@example.com")
    assert answered_by_lane(f"/history.atom?access={token}")
    with_token = same_answer(f"/history.atom?access={token}")
    bearer = same_answer("/api/v2/summary.json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert with_token[0] == bearer[0] == "200 OK"
    assert with_token[1]["etag"] == stored_etag(private, "/history.atom")
    # Not a way into the page's HTML.
    assert same_answer(f"/?access={token}")[0] == "302 Found"


def test_another_pages_cookie_is_refused(private, other_page, lane_settings):  # noqa: F811
    change(other_page, is_private=True, viewer_emails=["ann@example.com"])
    assert same_answer("/", HTTP_COOKIE=cookie_for(other_page))[0] == "302 Found"


def test_networks_are_checked_by_the_lane_too(private):
    change(private, allowed_networks=["203.0.113.0/24"])
    # The tests' requests come from 203.0.113.7: inside, no cookie needed.
    status, headers, _ = same_answer("/")
    assert status == "200 OK" and headers["cache-control"] == "private, no-cache"
    assert same_answer("/", REMOTE_ADDR="198.51.100.1")[0] == "302 Found"
    change(private, is_private=False)
    status, headers, body = same_answer("/", REMOTE_ADDR="198.51.100.1")
    assert status == "403 Forbidden" and b"allowed networks" in body


def test_switching_public_private_public_reaches_the_lane_with_the_next_publish(
    lane_settings,  # noqa: F811
    page,
):
    lane, _ = applications()
    public = call(lane, environ("/"))
    assert public[0] == "200 OK" and "public" in public[1]["cache-control"]
    viewer = cookie_for(page)
    change(page, is_private=True, viewer_emails=["ann@example.com"])
    assert call(lane, environ("/"))[0] == "302 Found"
    # The cookie from before the page was private carries the old epoch.
    assert call(lane, environ("/", HTTP_COOKIE=viewer))[0] == "302 Found"
    assert call(lane, environ("/", HTTP_COOKIE=cookie_for(page)))[0] == "200 OK"
    change(page, is_private=False)
    assert call(lane, environ("/")) == public[:1] + call(lane, environ("/"))[1:]
    assert "public" in call(lane, environ("/"))[1]["cache-control"]


def test_a_private_page_is_never_served_through_another_pages_host(
    private,
    other_page,
    lane_settings,  # noqa: F811
):
    change(other_page, domain="other.example.com")
    status, _, body = same_answer("/", HTTP_HOST="other.example.com")
    assert status == "200 OK"
    assert b"Elevated API errors" not in body
    assert HOST not in body.decode()


def test_the_snapshot_files_are_not_served_at_any_url(private, lane_settings):  # noqa: F811
    lane, _ = applications()
    for path in [
        f"/static/../snapshots/{private.pk}/%2F",
        f"/static/{private.pk}/%2F",
        "/static/hosts.json",
        "/media/hosts.json",
        "/hosts.json",
    ]:
        status, _, body = call(lane, environ(path, HTTP_COOKIE=cookie_for(private)))
        assert status.startswith("404"), path
        assert b"Elevated API errors" not in body
