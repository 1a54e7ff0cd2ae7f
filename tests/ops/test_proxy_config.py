"""The nginx configuration Beacon ships (deploy/nginx/beacon.conf), run in front of it: the
public pages' documents from Beacon's files, the rest through the cache."""

import http.client
import re
import time
from typing import Any

import pytest
import yaml
from django.conf import settings

from bench.proxy.cache import UPSTREAM, CachingProxy, get, nginx_binary
from tests.support.processes import wait_for
from tests.support.stack import demo_stack

needs_nginx = pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")


SECOND = "second.example"
# nginx's ETag for a file: its mtime and size in hex.
FILE_ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')
# What nginx makes for a file itself, and what only one of the two servers sends.
OWN = {"etag", "last-modified", "date", "server", "accept-ranges", "connection", "keep-alive"}
# The documents Beacon writes as files (snapshots/files.py), a few of each kind.
FILES = ["/", "/history", "/brand.css", "/history.atom", "/api/v2/summary.json"]


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    extra = {"ALLOWED_HOSTS": f"127.0.0.1,localhost,{SECOND}"}
    with demo_stack(tmp_path_factory.mktemp("proxy"), extra=extra) as running:
        files = running.beacon.folder / "var" / "public"
        cache = CachingProxy(running.beacon.port, log=True, files=files).start()
        cache.beacon = running.beacon  # type: ignore[attr-defined]
        cache.files = files  # type: ignore[attr-defined]
        try:
            yield cache
        finally:
            cache.close()


def ask(
    port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed: status, headers (lower-case names), body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return (
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


def nonceless(body: bytes) -> bytes:
    return re.sub(rb'nonce="[^"]*"', b"", body)


def from_file(proxy: CachingProxy, path: str, host: str = "127.0.0.1") -> dict[str, str]:
    """Wait until nginx sends `path` from Beacon's file; its headers."""
    found: dict[str, str] = {}

    def sent() -> bool:
        status, headers, _ = ask(proxy.port, path, {"Host": host})
        found.update(headers)
        return status == 200 and bool(FILE_ETAG.match(headers.get("etag", "")))

    wait_for(sent, timeout=30, what=f"{path} sent from its file", log=proxy.dir / "error.log")
    return found


@needs_nginx
def test_nginx_accepts_the_shipped_configuration():
    proxy = CachingProxy(8000)
    try:
        checked = proxy.test()
    finally:
        proxy.close()
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


@needs_nginx
def test_what_has_no_file_is_kept_once_and_revalidated_with_beacon(proxy):
    # The status badge has no file: it goes through the cache. (Not a document the clock changes,
    # such as the home page's fragment, whose bytes a refresh may change meanwhile: Beacon would
    # answer that revalidation with the new copy, not a 304.)
    badge = "/badge.svg"
    status, body, first = get(proxy.url(badge))
    assert status == 200 and b"<svg" in body
    status, again, second = get(proxy.url(badge))
    assert (status, second["X-Cache"], again) == (200, "HIT", body)

    # Past s-maxage (1 s) the copy is served while nginx asks Beacon with the ETag it holds,
    # and Beacon answers 304.
    time.sleep(2.5)

    def revalidated() -> bool:
        get(proxy.url(badge))  # each request past s-maxage may start a revalidation
        return any(
            uri == badge and upstream == "304"
            for uri, _status, _cache, upstream in proxy.access_log()
        )

    wait_for(
        revalidated, timeout=20, what="a revalidation answered 304", log=proxy.dir / "access.log"
    )
    status, _body, third = get(proxy.url(badge))
    assert status == 200 and third["ETag"] == first["ETag"]

    # A visitor holding the copy gets a 304 from the cache itself.
    status, empty, _ = get(proxy.url(badge), {"If-None-Match": first["ETag"]})
    assert (status, empty) == (304, b"")


@needs_nginx
def test_beacons_gzip_copy_passes_through_and_plain_clients_get_the_plain_one(proxy):
    # With a query string: from Beacon, through the cache.
    for _ in range(2):
        status, compressed, headers = get(
            proxy.url("/api/v2/summary.json?via=cache"), {"Accept-Encoding": "gzip"}
        )
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert compressed[:2] == b"\x1f\x8b" and headers["X-Cache"] == "HIT"
    status, plain, headers = get(proxy.url("/api/v2/summary.json?via=cache"))
    assert status == 200 and "Content-Encoding" not in headers
    assert plain.startswith(b"{")


@needs_nginx
def test_one_gzip_copy_and_one_plain_copy_whatever_accept_encoding_says(proxy):
    def ask(accept_encoding: str) -> tuple[bytes, Any]:
        status, body, headers = get(proxy.url("/?via=cache"), {"Accept-Encoding": accept_encoding})
        assert status == 200 and headers["Vary"] == "Accept-Encoding"
        return body, headers

    compressed, first = ask("gzip, deflate, br, zstd")
    assert first["Content-Encoding"] == "gzip" and compressed[:2] == b"\x1f\x8b"
    # Other browsers' spellings find that copy: no new entry, nothing asked of Beacon.
    for spelling in ("gzip, deflate", "deflate, GZIP;q=0.5", "x-gzip"):
        body, headers = ask(spelling)
        assert (body, headers["ETag"], headers["X-Cache"]) == (compressed, first["ETag"], "HIT")
    # gzip refused, or not named: the plain copy, which a client without the header has.
    plain, headers = ask("identity")
    assert "Content-Encoding" not in headers and b"</html>" in plain
    for spelling in ("gzip;q=0, br", "br", "gzip; q=0.000"):
        body, again = ask(spelling)
        assert "Content-Encoding" not in again
        assert (body, again["ETag"], again["X-Cache"]) == (plain, headers["ETag"], "HIT")


@needs_nginx
@pytest.mark.parametrize("path", FILES)
@pytest.mark.parametrize("accept_encoding", ["gzip, deflate, br", "identity"])
def test_files_send_beacons_bytes_and_headers(proxy, path, accept_encoding):
    from_file(proxy, path)
    asked = {"Accept-Encoding": accept_encoding}
    for _ in range(5):  # a document the clock changes may be rendered again meanwhile
        status, beacons, beacon_body = ask(proxy.beacon.port, path, asked)
        got, headers, body = ask(proxy.port, path, asked)
        again = ask(proxy.beacon.port, path, asked)[2]
        if again == beacon_body:
            break
    assert (got, status) == (200, 200)
    assert body == beacon_body
    assert FILE_ETAG.match(headers["etag"]) and headers["last-modified"]
    assert "x-cache" not in headers  # not through the cache
    mine = {name: value for name, value in headers.items() if name not in OWN}
    theirs = {name: value for name, value in beacons.items() if name not in OWN}
    assert mine == theirs
    assert ("content-encoding" in headers) == (accept_encoding != "identity" and len(body) > 600)


@needs_nginx
def test_head_and_304_with_the_files_etags(proxy):
    plain = from_file(proxy, "/api/v2/summary.json")
    status, packed, _ = ask(proxy.port, "/api/v2/summary.json", {"Accept-Encoding": "gzip"})
    assert status == 200 and packed["content-encoding"] == "gzip"
    # gzip and plain are two representations, with two ETags.
    assert FILE_ETAG.match(packed["etag"]) and packed["etag"] != plain["etag"]

    status, head, body = ask(proxy.port, "/api/v2/summary.json", method="HEAD")
    assert (status, body) == (200, b"")
    assert {k: v for k, v in head.items() if k != "date"} == {
        k: v for k, v in plain.items() if k != "date"
    }

    for headers, etag in ((plain, plain["etag"]), (packed, packed["etag"])):
        asked = {"If-None-Match": etag}
        if headers is packed:
            asked["Accept-Encoding"] = "gzip"
        status, answer, body = ask(proxy.port, "/api/v2/summary.json", asked)
        assert (status, body, answer["etag"]) == (304, b"", etag)
        assert answer["access-control-allow-origin"] == "*"
    # The other representation's ETag does not match.
    status, _, _ = ask(proxy.port, "/api/v2/summary.json", {"If-None-Match": packed["etag"]})
    assert status == 200


@needs_nginx
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v2/summary.json?access=nothing"),
        ("GET", "/?page=1"),
        ("GET", "/fragments/home"),
        ("GET", "/history/"),
        ("GET", "/.home.html"),
        ("GET", "/api/v2/../v2/summary.json"),
        ("GET", "/api/v2/summary.json.gz"),
        ("GET", "/API/v2/summary.json"),
        ("GET", "/api/v2/summary%2Ejson"),
        ("GET", "/incidents/nosuchthing"),
        ("POST", "/"),
        ("POST", "/api/v2/summary.json"),
        ("PUT", "/history"),
    ],
)
def test_what_is_not_a_files_plain_get_is_beacons_answer(proxy, method, path):
    from_file(proxy, "/")
    status, headers, body = ask(proxy.port, path, method=method)
    beacons, theirs, beacon_body = ask(proxy.beacon.port, path, method=method)
    assert status == beacons
    assert not FILE_ETAG.match(headers.get("etag", ""))
    if method == "GET":
        assert "x-cache" in headers  # went to Beacon, through the cache
    else:
        # Beacon's own answer (a CSRF refusal, a 405), but for the nonce of its style element.
        assert (nonceless(body), headers["content-type"]) == (
            nonceless(beacon_body),
            theirs["content-type"],
        )


@needs_nginx
def test_a_second_host_sees_its_own_files_and_an_unknown_host_none(proxy):
    proxy.beacon.shell(
        "from pages.models import Page; from pages.services import save_page; "
        "from snapshots import publisher; "
        f"page = Page(name='Second', url='https://{SECOND}', domain='{SECOND}'); "
        "save_page(page=page, actor='tests'); publisher.publish()"
    )
    from_file(proxy, "/", host=SECOND)
    _, _, second = ask(proxy.port, "/api/v2/summary.json", {"Host": SECOND})
    _, _, first = ask(proxy.port, "/api/v2/summary.json")
    _, _, beacons = ask(proxy.beacon.port, "/api/v2/summary.json", {"Host": SECOND})
    assert b"Second" in second and b"Second" not in first
    assert second == beacons
    # A host name Beacon does not answer at has no files: Beacon's 400.
    status, headers, _ = ask(proxy.port, "/", {"Host": "elsewhere.example"})
    assert status == 400 and "x-cache" in headers


@needs_nginx
def test_a_changed_document_is_sent_with_a_new_etag_as_soon_as_it_is_written(proxy):
    before = from_file(proxy, "/api/v2/summary.json")
    _, _, old = ask(proxy.port, "/api/v2/summary.json")
    proxy.beacon.shell(
        "from components.models import Component; "
        "from components.services import set_component_status; "
        "c = Component.objects.order_by('position', 'pk').first(); "
        "set_component_status(component=c, status='major_outage' "
        "if c.status != 'major_outage' else 'operational', actor='tests'); "
        "from snapshots import publisher; publisher.publish()"
    )
    # Written by the publish above: sent within open_file_cache_valid (1 s).
    deadline = time.monotonic() + 5
    while True:
        _, headers, body = ask(proxy.port, "/api/v2/summary.json")
        if body != old or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert body != old and body == ask(proxy.beacon.port, "/api/v2/summary.json")[2]
    assert FILE_ETAG.match(headers["etag"]) and headers["etag"] != before["etag"]
    status, _, _ = ask(proxy.port, "/api/v2/summary.json", {"If-None-Match": before["etag"]})
    assert status == 200


@needs_nginx
def test_files_are_sent_while_beacon_is_down(proxy):
    from_file(proxy, "/")
    sent = {path: ask(proxy.port, path)[2] for path in FILES}
    proxy.beacon.stop()
    try:
        assert proxy.beacon.get("/healthz")[0] == 0  # nothing answers at Beacon's port
        for path in FILES:
            status, headers, body = ask(proxy.port, path)
            assert status == 200 and FILE_ETAG.match(headers["etag"]), path
            assert body == sent[path]
    finally:
        proxy.beacon.start()


@needs_nginx
def test_the_admin_is_never_cached(proxy):
    for _ in range(2):
        status, _body, headers = get(proxy.url("/admin/login/"))
        assert status == 200
        assert headers["X-Cache"] != "HIT"


@needs_nginx
def test_a_page_that_is_not_public_is_never_cached(proxy):
    # Last but one in this module: the demo page becomes visible to this machine's addresses
    # alone (and then, below, to signed-in viewers alone).
    proxy.beacon.shell(
        "from pages.models import Page; from pages.services import save_page; "
        "from snapshots import publisher; page = Page.objects.get(is_default=True); "
        "page.allowed_networks = ['127.0.0.0/8']; save_page(page=page, actor='tests'); "
        "publisher.publish()"
    )
    for path in ("/history", "/history.atom"):
        for accept_encoding in ("gzip", "gzip", "identity", "identity"):
            status, _body, headers = get(proxy.url(path), {"Accept-Encoding": accept_encoding})
            assert status == 200 and headers["Cache-Control"] == "private, no-cache"
            assert headers["X-Cache"] == "MISS"
    # Its files went in the publish that stored its access.
    default_id = proxy.beacon.shell(
        "from pages.models import Page; print(Page.objects.get(is_default=True).pk)"
    ).splitlines()[-1]
    assert not (proxy.files / "pages" / default_id).exists()
    assert not (proxy.files / "hosts" / "127.0.0.1").exists()
    for path in FILES:
        status, answer, _ = ask(proxy.port, path)
        assert status == 200 and not FILE_ETAG.match(answer["etag"]), path


@needs_nginx
def test_a_private_page_gets_beacons_refusal_not_its_files(proxy):
    proxy.beacon.shell(
        "from pages.models import Page; from pages.services import save_page; "
        "from snapshots import publisher; page = Page.objects.get(is_default=True); "
        "page.allowed_networks = []; page.is_private = True; save_page(page=page, actor='tests'); "
        "publisher.publish()"
    )
    for path, refused in (("/", 302), ("/history", 302), ("/api/v2/summary.json", 401)):
        status, headers, body = ask(proxy.port, path)
        beacons, theirs, beacon_body = ask(proxy.beacon.port, path)
        assert status == beacons == refused, path
        assert (body, headers.get("location")) == (beacon_body, theirs.get("location"))
        assert "x-cache" in headers
    # A viewer's feed token is Beacon's to judge too.
    status, headers, _ = ask(proxy.port, "/api/v2/summary.json?access=not-a-token")
    assert status == 401 and "x-cache" in headers


def test_the_compose_profile_points_the_shipped_file_at_the_web_service():
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    proxy = compose["services"]["proxy"]
    assert proxy["profiles"] == ["proxy"]
    assert "./deploy/nginx/beacon.conf:/etc/beacon/beacon.conf:ro" in proxy["volumes"]
    # The web service's PUBLIC_FILES_DIR (BEACON_VAR_DIR/public), where the shipped file reads.
    assert "publicfiles:/var/lib/beacon/public:ro" in proxy["volumes"]
    assert "publicfiles:/var/lib/beacon/public" in compose["services"]["web"]["volumes"]
    shipped = (settings.BASE_DIR / "deploy" / "nginx" / "beacon.conf").read_text()
    assert "root /var/lib/beacon/public/hosts;" in shipped
    assert "BEACON_VAR_DIR=/var/lib/beacon" in (settings.BASE_DIR / "Dockerfile").read_text()
    # The line the command rewrites is the one the shipped file has.
    assert "s/server 127.0.0.1:8000 /server web:8000 /" in proxy["command"][-1]
    assert UPSTREAM in (settings.BASE_DIR / "deploy" / "nginx" / "beacon.conf").read_text()
