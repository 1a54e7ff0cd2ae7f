"""The nginx cache configuration Beacon ships (deploy/nginx/beacon.conf), run in front of it."""

import time
from typing import Any

import pytest
import yaml
from django.conf import settings

from bench.proxy.cache import UPSTREAM, CachingProxy, get, nginx_binary
from tests.support.processes import wait_for
from tests.support.stack import demo_stack

needs_nginx = pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    with demo_stack(tmp_path_factory.mktemp("proxy")) as running:
        cache = CachingProxy(running.beacon.port, log=True).start()
        cache.beacon = running.beacon  # type: ignore[attr-defined]
        try:
            yield cache
        finally:
            cache.close()


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
def test_the_public_page_is_kept_once_and_revalidated_with_beacon(proxy):
    status, body, first = get(proxy.url("/"))
    assert status == 200 and b"</html>" in body
    status, again, second = get(proxy.url("/"))
    assert (status, second["X-Cache"], again) == (200, "HIT", body)

    # Past s-maxage (1 s) the copy is served while nginx asks Beacon with the ETag it holds,
    # and Beacon answers 304.
    time.sleep(2.5)
    get(proxy.url("/"))

    def revalidated() -> bool:
        return any(
            uri == "/" and upstream == "304"
            for uri, _status, _cache, upstream in proxy.access_log()
        )

    wait_for(
        revalidated, timeout=20, what="a revalidation answered 304", log=proxy.dir / "access.log"
    )
    status, _body, third = get(proxy.url("/"))
    assert status == 200 and third["ETag"] == first["ETag"]

    # A visitor holding the copy gets a 304 from the cache itself.
    status, empty, _ = get(proxy.url("/"), {"If-None-Match": first["ETag"]})
    assert (status, empty) == (304, b"")


@needs_nginx
def test_beacons_gzip_copy_passes_through_and_plain_clients_get_the_plain_one(proxy):
    for _ in range(2):
        status, compressed, headers = get(
            proxy.url("/api/v2/summary.json"), {"Accept-Encoding": "gzip"}
        )
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert compressed[:2] == b"\x1f\x8b" and headers["X-Cache"] == "HIT"
    status, plain, headers = get(proxy.url("/api/v2/summary.json"))
    assert status == 200 and "Content-Encoding" not in headers
    assert plain.startswith(b"{")


@needs_nginx
def test_one_gzip_copy_and_one_plain_copy_whatever_accept_encoding_says(proxy):
    def ask(accept_encoding: str) -> tuple[bytes, Any]:
        status, body, headers = get(proxy.url("/"), {"Accept-Encoding": accept_encoding})
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
def test_the_admin_is_never_cached(proxy):
    for _ in range(2):
        status, _body, headers = get(proxy.url("/admin/login/"))
        assert status == 200
        assert headers["X-Cache"] != "HIT"


@needs_nginx
def test_a_page_that_is_not_public_is_never_cached(proxy):
    # Last in this module: the demo page becomes visible to this machine's addresses alone.
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


def test_the_compose_profile_points_the_shipped_file_at_the_web_service():
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    proxy = compose["services"]["proxy"]
    assert proxy["profiles"] == ["proxy"]
    assert "./deploy/nginx/beacon.conf:/etc/beacon/beacon.conf:ro" in proxy["volumes"]
    # The line the command rewrites is the one the shipped file has.
    assert "s/server 127.0.0.1:8000 /server web:8000 /" in proxy["command"][-1]
    assert UPSTREAM in (settings.BASE_DIR / "deploy" / "nginx" / "beacon.conf").read_text()
