"""The snapshot lane answers stored documents before Django, exactly as Django would.

Each request is put to the WSGI application the web server runs (the lane in front of Django)
and to Django alone; status, headers and body must be the same, and for the requests the lane
is meant to answer, it must be the lane that answered.
"""

import gzip
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from incidents import services as incident_services
from snapshots import publisher, store
from snapshots.lane import SnapshotLane
from statuspage import wsgi
from statuspage.capacity import ReservedCapacity

HOST = "status.example.com"


@pytest.fixture
def lane_settings(settings, page, incident) -> Iterator[Any]:
    """A stored home page (with an open incident), API and feed, read the way production reads
    them."""
    page.domain = HOST
    page.save()
    publisher.publish()
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.ALLOWED_HOSTS = [HOST, "other.example.com"]
    settings.SNAPSHOT_CHECK_SECONDS = 1
    settings.SNAPSHOT_REFRESH_SECONDS = 3600
    yield settings
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    publisher.stop_polling()


def environ(path: str, method: str = "GET", **extra: str) -> dict[str, Any]:
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST,
        "REMOTE_ADDR": "203.0.113.7",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **extra,
    }


def call(app: Any, env: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"] = status
        answer["headers"] = {name.lower(): value for name, value in headers}

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return answer["status"], answer["headers"], body


def applications() -> tuple[SnapshotLane, WSGIHandler]:
    """The lane in front of Django, and Django alone, both built with the current settings
    (Django's middleware and the lane read some settings once, when they are built)."""
    django = WSGIHandler()
    return SnapshotLane(django), django


def same_answer(path: str, method: str = "GET", **extra: str) -> tuple[str, dict[str, str], bytes]:
    """What the lane and Django answer, asserted equal; returns the lane's."""
    lane, django = applications()
    through_lane = call(lane, environ(path, method, **extra))
    through_django = call(django, environ(path, method, **extra))
    assert through_lane == through_django, path
    return through_lane


def answered_by_lane(path: str, method: str = "GET", **extra: str) -> bool:
    return applications()[0].answer(environ(path, method, **extra)) is not None


def test_the_web_server_runs_the_lane_in_front_of_django():
    assert isinstance(wsgi.application, SnapshotLane)
    assert isinstance(wsgi.application.application, ReservedCapacity)
    assert wsgi.application.application.application is wsgi.django_application


def stored_etag(page: Any, key: str) -> str:
    snapshot = store.read(page.pk, key)
    assert snapshot is not None
    return snapshot.etag


@pytest.mark.parametrize(
    "path", ["/", "/fragments/home", "/history", "/api/v2/summary.json", "/history.atom"]
)
def test_a_stored_document_is_answered_by_the_lane_as_django_answers_it(lane_settings, path):
    assert answered_by_lane(path)
    status, headers, body = same_answer(path)
    assert status == "200 OK"
    assert headers["content-length"] == str(len(body))
    assert headers["etag"].startswith('"')
    assert "content-security-policy" in headers
    assert headers["x-frame-options"] == "DENY"
    assert "set-cookie" not in headers


def test_the_api_allows_any_origin_on_200s_and_304s(lane_settings, page):
    etag = stored_etag(page, "/api/v2/summary.json")
    assert same_answer("/api/v2/summary.json")[1]["access-control-allow-origin"] == "*"
    status, headers, _ = same_answer("/api/v2/summary.json", HTTP_IF_NONE_MATCH=etag)
    assert status == "304 Not Modified"
    assert headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"older", {etag}', "*"],
)
def test_a_matching_if_none_match_gets_an_empty_304(lane_settings, page, if_none_match):
    etag = stored_etag(page, "/")
    given = if_none_match.format(etag=etag)
    assert answered_by_lane("/", HTTP_IF_NONE_MATCH=given)
    status, headers, body = same_answer("/", HTTP_IF_NONE_MATCH=given)
    assert (status, body) == ("304 Not Modified", b"")
    assert headers["etag"] == etag
    assert "content-type" not in headers and "content-length" not in headers
    assert "public" in headers["cache-control"]


def test_a_stale_etag_gets_the_whole_document(lane_settings):
    status, _, body = same_answer("/", HTTP_IF_NONE_MATCH='"0123456789abcdef"')
    assert status == "200 OK" and b"Elevated API errors" in body


def test_if_modified_since_is_honoured_unless_an_etag_is_given(lane_settings, page):
    modified = same_answer("/")[1]["last-modified"]
    assert same_answer("/", HTTP_IF_MODIFIED_SINCE=modified)[0] == "304 Not Modified"
    long_ago = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert same_answer("/", HTTP_IF_MODIFIED_SINCE=long_ago)[0] == "200 OK"
    assert same_answer("/", HTTP_IF_MODIFIED_SINCE="yesterday")[0] == "200 OK"
    status = same_answer("/", HTTP_IF_MODIFIED_SINCE=modified, HTTP_IF_NONE_MATCH='"other"')[0]
    assert status == "200 OK"


def test_head_answers_like_get(lane_settings):
    status, headers, _ = same_answer("/", "HEAD")
    assert status == "200 OK"
    assert int(headers["content-length"]) > 0


def test_https_behind_a_proxy_gets_the_same_strict_transport_security(lane_settings):
    lane_settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    lane_settings.SECURE_HSTS_SECONDS = 31536000
    lane_settings.SECURE_SSL_REDIRECT = True
    assert answered_by_lane("/", HTTP_X_FORWARDED_PROTO="https")
    headers = same_answer("/", HTTP_X_FORWARDED_PROTO="https")[1]
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    # Plain http is redirected to https by Django; the lane leaves it alone.
    assert not answered_by_lane("/")
    assert same_answer("/")[0].startswith("301")


@pytest.mark.parametrize(
    ("path", "method", "extra"),
    [
        ("/", "POST", {}),
        ("/", "GET", {"HTTP_HOST": "evil.example.net"}),
        ("/", "GET", {"HTTP_IF_MATCH": '"x"'}),
        ("/", "GET", {"HTTP_IF_UNMODIFIED_SINCE": "Mon, 01 Jan 2001 00:00:00 GMT"}),
        ("/no-such-page", "GET", {}),
        ("/incidents/nosuchid0001", "GET", {}),
        ("/history?page=abc", "GET", {}),
        ("/badge.svg", "GET", {}),
        ("/admin/", "GET", {}),
        ("/caf\xc3\xa9", "GET", {}),
    ],
)
def test_what_the_lane_is_not_sure_of_goes_to_django(lane_settings, path, method, extra):
    assert not answered_by_lane(path, method, **extra)
    lane, django = applications()
    assert (
        call(lane, environ(path, method, **extra))[0]
        == call(django, environ(path, method, **extra))[0]
    )


def test_a_disallowed_host_is_refused_by_django_not_served(lane_settings):
    lane, _ = applications()
    assert call(lane, environ("/", HTTP_HOST="evil.example.net"))[0].startswith("400")


def test_in_synchronous_mode_the_lane_steps_aside(lane_settings):
    lane_settings.SNAPSHOT_CHECK_SECONDS = 0
    assert not answered_by_lane("/")


def test_a_new_snapshot_is_served_with_its_own_headers(lane_settings, page, api):
    before = same_answer("/")[1]["etag"]
    incident_services.open_incident(
        page=page, name="Dashboard slow", body="Looking.", actor="tests"
    )
    publisher.publish()
    _, headers, body = same_answer("/")
    assert headers["etag"] != before
    assert b"Dashboard slow" in body
    assert same_answer("/", HTTP_IF_NONE_MATCH=before)[0] == "200 OK"


def test_a_client_accepting_gzip_gets_the_compressed_copy_with_its_own_etag(lane_settings, page):
    plain = same_answer("/")
    assert answered_by_lane("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    status, headers, body = same_answer("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert status == "200 OK"
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding" == plain[1]["vary"]
    assert gzip.decompress(body) == plain[2]
    assert int(headers["content-length"]) == len(body) < len(plain[2]) / 3
    assert headers["etag"] == stored_etag(page, "/")[:-1] + '-gzip"' != plain[1]["etag"]
    # Each representation is revalidated by its own ETag.
    again = same_answer("/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=headers["etag"])
    assert again[0] == "304 Not Modified" and again[1]["vary"] == "Accept-Encoding"
    other = same_answer("/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=plain[1]["etag"])
    assert other[0] == "200 OK" and other[1]["content-encoding"] == "gzip"


@pytest.mark.parametrize(
    ("accept_encoding", "compressed"),
    [
        ("gzip", True),
        ("GZIP;q=0.5, br", True),
        ("*", True),
        ("br, *;q=0.1", True),
        ("gzip;q=0", False),
        ("*, gzip;q=0", False),
        ("identity", False),
        ("br", False),
        ("gzip;q=oops", False),
        ("", False),
    ],
)
def test_accept_encoding_decides_the_representation(lane_settings, accept_encoding, compressed):
    headers = same_answer("/api/v2/summary.json", HTTP_ACCEPT_ENCODING=accept_encoding)[1]
    assert ("content-encoding" in headers) is compressed
