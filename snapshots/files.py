"""The public pages' documents as plain files, for a web server in front of Beacon to send.

Beside the snapshot store, whose files hold a header and both representations and are never
served as they are, the publisher keeps under `settings.PUBLIC_FILES_DIR` ("" for none):

- `pages/<page id>/<path>`: the bytes of each document a public page's visitors read the most
  (`exported()`: the fixed-path documents the lane answers, but for the fragments), and
  `<path>.gz` beside it when the store keeps a gzip copy; the home page (`/`) is `.home.html`;
- `hosts/<host name>`: a symbolic link to `../pages/<page id>`, one per host name Beacon answers
  with that page (its domains, and for the default page the plain names of ALLOWED_HOSTS that no
  page claims), so a web server finds a document at `hosts/<Host header><path>`.

deploy/nginx/beacon.conf serves GET and HEAD requests without a query string from there (with
`try_files`, and `gzip_static` for the `.gz` copies), and sends everything else, and whatever has
no file, to Beacon as before. What nginx cannot tell from a file it is given by the shipped file:
the content type by extension (TYPES below, tested against it), and the headers Beacon adds.

Only public pages have files. A page that becomes private, limited to some networks or to
signed-in viewers loses its files and its host links before the host index stores its access
(both under one lock shared by the processes of the host, which every export takes too), and a
removed page, host name or document loses them as well. Every file is written to a temporary
name and renamed over the old one, so the web server sends the old bytes or the new ones.

The web server makes its own validators for a file (nginx: ETag `"<mtime>-<size>"` in hex,
Last-Modified from the mtime). Each file's mtime is set to the document's `modified_at`, and
moved on by at least a second whenever its bytes change, so that a new version always has a new
ETag, even for two versions within one second.
"""

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from django.conf import settings
from django.http.request import validate_host

from . import documents, store

# The content types the shipped nginx file gives by extension (its `types` block); a document
# without an extension is `DEFAULT_TYPE` (its `default_type`). A document whose type its name
# would not give is not exported.
TYPES = {
    "html": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}
DEFAULT_TYPE = "text/html; charset=utf-8"
HOME = ".home.html"

# What a directory or link name may be: nothing a web server would read as a path of its own.
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
_PAGE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_PATH = re.compile(r"^(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$")


def enabled() -> bool:
    return bool(settings.PUBLIC_FILES_DIR)


def root() -> Path:
    return Path(settings.PUBLIC_FILES_DIR)


def type_for(name: str) -> str:
    """The content type the shipped nginx file gives a file of this name."""
    base = name.rsplit("/", 1)[-1]
    extension = base.rsplit(".", 1)[1] if "." in base.lstrip(".") else ""
    return TYPES.get(extension, DEFAULT_TYPE) if extension else DEFAULT_TYPE


def file_name(key: str) -> str | None:
    """The file (relative to the page's directory) a document is exported to, or None."""
    if key == "/":
        return HOME
    if not _PATH.match(key):
        return None
    return key[1:]


def exported(key: str, content_type: str) -> bool:
    """Whether a document has a file: a fixed path the lane answers as it is stored, no query,
    no fragment (those are polled by open pages, each with its own Cache-Control), and a name
    whose extension gives its content type."""
    name = file_name(key)
    if name is None or "?" in key:
        return False
    found = documents.find(key)
    if found is None:
        return False
    route, _captured = found
    if not (route.lane and route.eager):
        return False
    document = documents.document(key)
    if document is None or document.fragment:
        return False
    return document.content_type == content_type == type_for(name)


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    with store.thread_lock("public-files"), store.host_lock("public-files", blocking=True):
        yield


def _page_dir(page_id: str) -> Path | None:
    if not _PAGE_ID.match(page_id):
        return None
    return root() / "pages" / page_id


def _write(path: Path, data: bytes, mtime: int) -> None:
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.utime(tmp, (mtime, mtime))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _same(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except FileNotFoundError:
        return False


def export(page_id: str, snapshot: store.Snapshot) -> None:
    """Write a stored document's file (and its gzip copy), if it has one and its page is public."""
    if not enabled() or not exported(snapshot.key, snapshot.content_type):
        return
    folder = _page_dir(page_id)
    name = file_name(snapshot.key)
    if folder is None or name is None or snapshot.status != 200:
        return
    with _locked():
        index = store.read_hosts()
        if index is None or page_id in index["access"]:
            return  # not public, or not known to be: no file
        path = folder / name
        gz = path.with_name(path.name + ".gz")
        if _same(path, snapshot.body) and (
            _same(gz, snapshot.gzipped) if snapshot.gzipped is not None else not gz.exists()
        ):
            return
        mtime = int(snapshot.modified_at)
        with contextlib.suppress(FileNotFoundError):
            # A new version always gets a later mtime, so a new ETag from the web server.
            mtime = max(mtime, int(path.stat().st_mtime) + 1)
        if snapshot.gzipped is not None:
            _write(gz, snapshot.gzipped, mtime)
        else:
            _unlink(gz)
        _write(path, snapshot.body, mtime)


def remove(page_id: str, key: str) -> None:
    """Remove a document's file (deleted, or no longer served)."""
    if not enabled():
        return
    folder = _page_dir(page_id)
    name = file_name(key)
    if folder is None or name is None:
        return
    with _locked():
        _unlink(folder / name)
        _unlink(folder / (name + ".gz"))


def served_hosts(default: str | None, hosts: dict[str, str], public: set[str]) -> dict[str, str]:
    """{host name: page id} for the host names whose requests Beacon answers with a public
    page: the pages' own names that ALLOWED_HOSTS admits, and for the default page the plain
    names ALLOWED_HOSTS lists (not its wildcards) that no page claims."""
    allowed = list(settings.ALLOWED_HOSTS)
    served = {
        host: page_id
        for host, page_id in hosts.items()
        if page_id in public and _HOST.match(host) and validate_host(host, allowed)
    }
    if default is not None and default in public:
        for name in allowed:
            name = name.lower()
            if name not in hosts and _HOST.match(name):
                served.setdefault(name, default)
    return served


def sync_hosts(
    default: str | None,
    hosts: dict[str, str],
    access: Mapping[str, object],
    page_ids: list[str],
    *,
    then: Callable[[], None],
) -> None:
    """Remove the files of pages that are gone or not public, point each served host name at
    its page's directory, and then (`then`, under the same lock) store the new host index."""
    if not enabled():
        then()
        return
    public = {page_id for page_id in page_ids if page_id not in access}
    served = served_hosts(default, hosts, public)
    with _locked():
        links = root() / "hosts"
        links.mkdir(mode=0o755, parents=True, exist_ok=True)
        for link in links.iterdir():
            if not link.is_symlink():
                shutil.rmtree(link, ignore_errors=True) if link.is_dir() else _unlink(link)
            elif link.name not in served or os.readlink(link) != f"../pages/{served[link.name]}":
                _unlink(link)
        pages = root() / "pages"
        if pages.is_dir():
            for folder in pages.iterdir():
                if folder.name not in public:
                    shutil.rmtree(folder, ignore_errors=True)
        for host, page_id in served.items():
            link = links / host
            if not link.is_symlink():
                tmp = links / f".tmp-{host}"
                _unlink(tmp)
                os.symlink(f"../pages/{page_id}", tmp)
                os.replace(tmp, link)
        then()


def clear() -> None:
    if enabled() and root().is_dir():
        shutil.rmtree(root())
