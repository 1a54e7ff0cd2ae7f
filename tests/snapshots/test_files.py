"""The public pages' documents exported as plain files for a web server (snapshots/files.py)."""

import gzip
import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from components import services as component_services
from pages.services import save_page
from snapshots import documents, files, publisher, store
from tests.support import personas
from tests.support.documents import API_V2_PATHS

EXPORTED = ["/", "/history", "/brand.css", "/history.atom", "/history.rss", *API_V2_PATHS]


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "other.test", ".wild.test"]
    settings.SNAPSHOT_CHECK_SECONDS = 1  # the publisher as in production; publish() by hand


def public() -> Path:
    return Path(settings.PUBLIC_FILES_DIR)


def page_file(page_id: str, key: str) -> Path:
    name = files.file_name(key)
    assert name is not None
    return public() / "pages" / page_id / name


def test_each_public_document_read_the_most_has_its_file_and_gzip_copy(page):
    publisher.publish()
    for key in EXPORTED:
        snapshot = store.read(page.pk, key)
        assert snapshot is not None, key
        path = page_file(page.pk, key)
        assert path.read_bytes() == snapshot.body, key
        assert files.type_for(path.name) == snapshot.content_type, key
        assert int(path.stat().st_mtime) == int(snapshot.modified_at)
        assert path.stat().st_mode & 0o777 == 0o644
        gz = path.with_name(path.name + ".gz")
        if snapshot.gzipped is None:
            assert not gz.exists(), key
        else:
            assert gzip.decompress(gz.read_bytes()) == snapshot.body
            assert gz.stat().st_mtime == path.stat().st_mtime
    # Nothing else: no fragments, no query variants, no temporary files, no store headers.
    written = {
        "/" + str(p.relative_to(public() / "pages" / page.pk)).removesuffix(".gz")
        for p in (public() / "pages" / page.pk).rglob("*")
        if p.is_file()
    }
    assert written == {"/.home.html", *EXPORTED} - {"/"}
    assert not any(b"BEACON-SNAPSHOT" in page_file(page.pk, key).read_bytes() for key in EXPORTED)


def test_host_links_name_the_hosts_beacon_answers_with_the_page(page, other_page):
    publisher.publish()
    links = public() / "hosts"
    found = {link.name: os.readlink(link) for link in links.iterdir()}
    # The default page for the plain names of ALLOWED_HOSTS (not its wildcard, not testserver's
    # page, which is another's), the other page for its own domain.
    assert found == {
        "127.0.0.1": f"../pages/{page.pk}",
        "localhost": f"../pages/{page.pk}",
        "other.test": f"../pages/{other_page.pk}",
    } | ({"testserver": f"../pages/{page.pk}"} if "testserver" in settings.ALLOWED_HOSTS else {})
    assert (links / "other.test" / "api/v2/summary.json").read_bytes() == store.read(
        other_page.pk, "/api/v2/summary.json"
    ).body  # type: ignore[union-attr]


def test_a_host_name_that_allowed_hosts_refuses_gets_no_link(page, other_page, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    publisher.publish()
    assert {link.name for link in (public() / "hosts").iterdir()} == {"127.0.0.1"}


def test_a_changed_document_gets_a_later_mtime_even_within_the_same_second(page):
    api = personas.component(page, "API")
    publisher.publish()
    path = page_file(page.pk, "/api/v2/summary.json")
    first = path.stat()
    bodies = [path.read_bytes()]
    for status in ("major_outage", "operational", "partial_outage"):
        component_services.set_component_status(component=api, status=status, actor="tests")
        publisher.publish()
        bodies.append(path.read_bytes())
    assert len(set(bodies)) == 4
    # Three new versions within a second or so: each mtime at least a second after the last.
    assert int(path.stat().st_mtime) >= int(first.st_mtime) + 3
    snapshot = store.read(page.pk, "/api/v2/summary.json")
    assert snapshot is not None and path.read_bytes() == snapshot.body


def test_the_same_bytes_leave_the_file_alone(page):
    publisher.publish()
    path = page_file(page.pk, "/api/v2/summary.json")
    before = path.stat()
    snapshot = store.read(page.pk, "/api/v2/summary.json")
    assert snapshot is not None
    files.export(page.pk, snapshot)
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize(
    "change",
    [
        {"is_private": True},
        {"allowed_networks": ["10.0.0.0/8"]},
    ],
)
def test_a_page_that_is_no_longer_public_loses_its_files_when_its_access_is_stored(page, change):
    publisher.publish()
    assert page_file(page.pk, "/").exists()
    for name, value in change.items():
        setattr(page, name, value)
    save_page(page=page, actor="tests")
    publisher.publish()
    assert store.access_for(page.pk) is not None
    assert not (public() / "pages" / page.pk).exists()
    assert list((public() / "hosts").iterdir()) == []
    # And renders of it write none.
    publisher.render(page, "/api/v2/summary.json")
    assert not (public() / "pages" / page.pk).exists()

    # Public again: its files come back with the event.
    for name in change:
        setattr(page, name, False if name == "is_private" else [])
    save_page(page=page, actor="tests")
    publisher.publish()
    assert page_file(page.pk, "/").exists()
    assert (public() / "hosts" / "127.0.0.1").is_symlink()


def test_a_removed_host_name_and_a_deleted_page_lose_their_files(page, other_page):
    publisher.publish()
    assert (public() / "hosts" / "other.test").is_symlink()
    other_page.domain = ""
    other_page.extra_domains = ["second.test"]
    save_page(page=other_page, actor="tests")
    publisher.publish()
    # Beacon answers other.test (in ALLOWED_HOSTS) with the default page now.
    assert os.readlink(public() / "hosts" / "other.test") == f"../pages/{page.pk}"
    assert not (public() / "hosts" / "second.test").exists()  # not in ALLOWED_HOSTS
    other_id = other_page.pk
    assert (public() / "pages" / other_id).is_dir()
    other_page.delete()
    publisher.write_hosts()
    assert not (public() / "pages" / other_id).exists()
    assert (public() / "pages" / page.pk).is_dir()


def test_a_document_that_is_gone_loses_its_file(page, settings):
    publisher.publish()
    atom = page_file(page.pk, "/history.atom")
    assert atom.exists()
    page.allow_rss_atom_feeds = False
    save_page(page=page, actor="tests")
    publisher.publish()
    assert store.read(page.pk, "/history.atom") is None
    assert not atom.exists()


def test_what_has_no_file(page):
    assert files.exported("/api/v2/summary.json", "application/json; charset=utf-8")
    assert not files.exported("/fragments/home", "text/html; charset=utf-8")
    assert not files.exported("/history?page=2", "text/html; charset=utf-8")
    assert not files.exported("/incidents/abcdefgh", "text/html; charset=utf-8")
    assert not files.exported("/badge.svg", "image/svg+xml; charset=utf-8")
    assert not files.exported("/embed", "text/html; charset=utf-8")
    assert not files.exported("/api/v2/summary.json", "text/plain")
    for unsafe in ("/../x", "/.home.html", "/a//b", "/a/", "/%2e%2e", "/a b"):
        assert files.file_name(unsafe) is None


def test_unsafe_host_names_get_no_link(page, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "..", ".", "a/b", "*", "UPPER.test", "[::1]"]
    publisher.publish()
    assert {link.name for link in (public() / "hosts").iterdir()} == {"127.0.0.1", "upper.test"}


def test_no_files_when_switched_off(page, settings):
    folder = public()
    settings.PUBLIC_FILES_DIR = ""
    publisher.publish()
    assert store.read(page.pk, "/") is not None
    assert not folder.exists()


def test_the_shipped_nginx_file_gives_the_types_the_export_assumes():
    conf = (settings.BASE_DIR / "deploy" / "nginx" / "beacon.conf").read_text()
    block = re.search(r"types \{(.*?)\}", conf, re.S)
    assert block is not None
    given = dict(re.findall(r'"([^"]+)"\s+(\w+);', block[1]))
    assert {ext: kind for kind, ext in given.items()} == files.TYPES
    assert f'default_type "{files.DEFAULT_TYPE}";' in conf


def test_the_shipped_nginx_file_sends_from_a_file_exactly_the_documents_exported():
    conf = (settings.BASE_DIR / "deploy" / "nginx" / "beacon.conf").read_text()
    block = re.search(r"map \$request_uri \$beacon_file \{(.*?)\}", conf, re.S)
    assert block is not None
    listed = dict(re.findall(r"^\s*(\S+)\s+(\S+);", block[1], re.M))
    assert listed.pop("default") == "/.none"
    exported = [
        key
        for key in documents.eager_keys()
        if (document := documents.document(key)) and files.exported(key, document.content_type)
    ]
    assert sorted(listed) == sorted(exported)
    for key, target in listed.items():
        assert target == ("/" + files.HOME if key == "/" else "$request_uri")
